using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>An SMTP reply (RFC 5321 §4.2): a three-digit code, one or more text lines, and the RFC 2034/3463
/// enhanced status code when the server gives one (for example 535 5.7.139).</summary>
public sealed partial class SmtpReply
{
    public SmtpReply(int code, IReadOnlyList<string> lines, string? enhancedCode)
    {
        Code = code;
        Lines = lines;
        EnhancedCode = enhancedCode;
    }

    public int Code { get; }
    /// <summary>The text of each line, without the code, separator or enhanced code.</summary>
    public IReadOnlyList<string> Lines { get; }
    /// <summary>"class.subject.detail", e.g. "5.7.139"; null when the server sent none.</summary>
    public string? EnhancedCode { get; }
    public string Text => string.Join(" ", Lines.Where(l => l.Length > 0));
    public bool IsPositiveCompletion => Code is >= 200 and < 300;
    public bool IsPositiveIntermediate => Code is >= 300 and < 400;
    public bool IsTransientFailure => Code is >= 400 and < 500;
    public bool IsPermanentFailure => Code is >= 500 and < 600;

    public override string ToString() => EnhancedCode is null ? $"{Code} {Text}".TrimEnd() : $"{Code} {EnhancedCode} {Text}".TrimEnd();

    [GeneratedRegex(@"^([245])\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedRegex();

    /// <summary>Parses one line: returns the code, whether more lines follow, and the text.</summary>
    public static (int Code, bool More, string Text) ParseLine(string line)
    {
        if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
            || line[0] is < '2' or > '5' || (line.Length > 3 && line[3] is not (' ' or '-')))
            throw new MailProtocolException(MailFailure.ProtocolViolation, $"Malformed SMTP reply line '{Shorten(line)}'.");
        var code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        var more = line.Length > 3 && line[3] == '-';
        return (code, more, line.Length > 4 ? line[4..] : "");
    }

    /// <summary>Builds a reply from its raw lines (all with the same code, the last one without '-').</summary>
    public static SmtpReply Parse(IReadOnlyList<string> rawLines)
    {
        if (rawLines.Count == 0) throw new ArgumentException("A reply has at least one line.", nameof(rawLines));
        var code = -1;
        var texts = new List<string>(rawLines.Count);
        string? enhanced = null;
        for (var i = 0; i < rawLines.Count; i++)
        {
            var (c, more, text) = ParseLine(rawLines[i]);
            if (code >= 0 && c != code)
                throw new MailProtocolException(MailFailure.ProtocolViolation, $"SMTP reply lines disagree on the code ({code} then {c}).");
            if (more != (i < rawLines.Count - 1))
                throw new MailProtocolException(MailFailure.ProtocolViolation, "Malformed multi-line SMTP reply.");
            code = c;
            var m = EnhancedRegex().Match(text);
            if (m.Success && m.Groups[1].Value[0] - '0' == code / 100)
            {
                enhanced ??= m.Value;
                text = text[m.Length..].TrimStart();
            }
            texts.Add(text);
        }
        return new SmtpReply(code, texts, enhanced);
    }

    static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
