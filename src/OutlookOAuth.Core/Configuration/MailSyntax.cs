using System.Globalization;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Configuration;

/// <summary>Syntax of addresses, local parts and domains, and their normal forms
/// (lower case, internationalized domains in IDNA/punycode form).</summary>
public static partial class MailSyntax
{
    static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    // RFC 5322 dot-atom local part (atext), as Exchange accepts it; no quoted local parts.
    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalPartRegex();

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex AsciiDomainRegex();

    public static bool IsLocalPart(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && LocalPartRegex().IsMatch(value);

    /// <summary>The lower-case ASCII (IDNA) form of a domain, or null when it is not a valid domain
    /// with at least two labels.</summary>
    public static string? NormalizeDomain(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var d = value.Trim().TrimEnd('.');
        if (d.Length == 0 || d.Contains(' ')) return null;
        string ascii;
        if (d.All(c => c < 128)) ascii = d.ToLowerInvariant();
        else
        {
            try { ascii = Idn.GetAscii(d).ToLowerInvariant(); }
            catch (ArgumentException) { return null; }
        }
        return AsciiDomainRegex().IsMatch(ascii) ? ascii : null;
    }

    public static bool IsDomain(string? value) => NormalizeDomain(value) is not null;

    /// <summary>The normal form of a bare address (local part lower-cased, IDNA domain), or null.</summary>
    public static string? NormalizeAddress(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var a = value.Trim();
        var at = a.LastIndexOf('@');
        if (at <= 0 || at == a.Length - 1) return null;
        var local = a[..at];
        if (!IsLocalPart(local)) return null;
        var domain = NormalizeDomain(a[(at + 1)..]);
        return domain is null ? null : local.ToLowerInvariant() + "@" + domain;
    }

    public static bool IsAddress(string? value) => NormalizeAddress(value) is not null;

    static readonly IdnMapping LiberalIdn = new() { AllowUnassigned = true, UseStd3AsciiRules = false };

    /// <summary>The normal form of a sender's address, as liberal as Odoo's <c>email_normalize</c> (anything with one
    /// '@' that <c>getaddresses</c> takes: <c>test@my_host.example</c>, <c>jane@localhost</c>, non-ASCII local parts);
    /// null when it is not local@domain at all. Strict addresses get the same form as <see cref="NormalizeAddress"/>.
    /// What goes into the configuration keeps the strict syntax.</summary>
    public static string? NormalizeSenderAddress(string? value)
    {
        if (NormalizeAddress(value) is { } strict) return strict;
        if (string.IsNullOrWhiteSpace(value)) return null;
        var a = value.Trim();
        var at = a.LastIndexOf('@');
        if (at <= 0 || at == a.Length - 1) return null;
        var local = a[..at];
        var domain = a[(at + 1)..].TrimEnd('.');
        if (local.Length > 64 || local.Any(c => !IsLiberalAddressChar(c)) || local.StartsWith('.') || local.EndsWith('.') || local.Contains(".."))
            return null;
        if (domain.Length is 0 or > 253 || domain.Split('.').Any(l => l.Length is 0 or > 63 || l.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_'))))
            return null;
        string ascii;
        if (domain.All(c => c < 128)) ascii = domain;
        else
        {
            try { ascii = LiberalIdn.GetAscii(domain); }
            catch (ArgumentException) { ascii = domain; }
        }
        return local.ToLowerInvariant() + "@" + ascii.ToLowerInvariant();
    }

    // Anything a mail header can carry in a dot-atom: no space, control, '@' or RFC 5322 specials.
    static bool IsLiberalAddressChar(char c) =>
        !char.IsWhiteSpace(c) && !char.IsControl(c) && c is not ('@' or '<' or '>' or '(' or ')' or '[' or ']' or '\\' or ',' or ';' or ':' or '"');

    /// <summary>The domain of a normalized address.</summary>
    public static string DomainOf(string normalizedAddress) => normalizedAddress[(normalizedAddress.LastIndexOf('@') + 1)..];

    /// <summary>Splits a comma-separated FROM filter into trimmed, non-empty entries.</summary>
    public static IReadOnlyList<string> SplitFilter(string? filter) =>
        string.IsNullOrWhiteSpace(filter)
            ? Array.Empty<string>()
            : filter.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
