using System.Text;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>Redaction of transcript lines: secrets the session knows (tokens, SASL payloads) are replaced, and any
/// remaining bearer token or long base64 run is masked as a second line of defence.</summary>
public static partial class TranscriptRedaction
{
    public const string Mask = "<redacted>";

    [GeneratedRegex(@"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex BearerRegex();

    // A JWT (base64url JSON header "eyJ..." and two more segments), whatever the segment lengths.
    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*")]
    private static partial Regex JwtRegex();

    // 40+ characters of base64 alphabet (a JWT segment, a SASL payload); short words and numbers are left alone.
    [GeneratedRegex(@"[A-Za-z0-9+/_\-]{40,}={0,2}")]
    private static partial Regex Base64RunRegex();

    public static string Redact(string line, IReadOnlyCollection<string>? secrets = null)
    {
        if (secrets is not null)
            foreach (var s in secrets)
                if (!string.IsNullOrEmpty(s) && line.Contains(s, StringComparison.Ordinal))
                    line = line.Replace(s, Mask, StringComparison.Ordinal);
        line = BearerRegex().Replace(line, m => m.Groups[1].Value + Mask);
        line = JwtRegex().Replace(line, Mask);
        return Base64RunRegex().Replace(line, Mask);
    }

    /// <summary>Replaces control characters so a hostile server cannot forge transcript lines.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var b = new StringBuilder(text.Length);
        foreach (var c in text) b.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        return b.ToString();
    }
}
