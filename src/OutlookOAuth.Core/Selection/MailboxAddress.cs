using System.Text;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>One RFC 5322 mailbox: <c>jane@example.com</c>, <c>&lt;jane@example.com&gt;</c>,
/// <c>Jane Doe &lt;jane@example.com&gt;</c> or <c>"Doe, Jane" &lt;jane@example.com&gt;</c>.
/// Strict: display names are words (atoms or quoted strings, with quoted-pairs; non-ASCII text as in
/// RFC 6532; '.' as in the obsolete phrase syntax); comments, groups, lists and quoted local parts are
/// refused. Encoded words (RFC 2047) are kept as written. The address itself is taken as liberally as Odoo takes a
/// sender (<see cref="MailSyntax.NormalizeSenderAddress"/>: <c>test@my_host.example</c>), since real applications send
/// from such addresses; the configuration keeps the strict syntax.</summary>
public sealed class MailboxAddress
{
    MailboxAddress(string original, string? displayName, string addressAsWritten, string address)
    {
        Original = original;
        DisplayName = displayName;
        AddressAsWritten = addressAsWritten;
        Address = address;
    }

    /// <summary>The text as given, trimmed.</summary>
    public string Original { get; }
    /// <summary>The display name without quotes and quoted-pairs, or null.</summary>
    public string? DisplayName { get; }
    /// <summary>The address as written (original case, domain as typed).</summary>
    public string AddressAsWritten { get; }
    /// <summary>The normal form: lower case, domain in IDNA (punycode) form.</summary>
    public string Address { get; }
    /// <summary>The normalized domain.</summary>
    public string Domain => MailSyntax.DomainOf(Address);
    /// <summary>The local part as written (what Odoo uses as a name when there is no display name).</summary>
    public string LocalPartAsWritten => AddressAsWritten[..AddressAsWritten.LastIndexOf('@')];

    public override string ToString() => Original;

    public static bool TryParse(string? text, out MailboxAddress? mailbox)
    {
        mailbox = Parse(text, out _);
        return mailbox is not null;
    }

    /// <summary>Parses one mailbox; throws <see cref="InvalidMailboxException"/> naming the text and why.</summary>
    public static MailboxAddress Parse(string? text) =>
        Parse(text, out var reason) ?? throw new InvalidMailboxException(text ?? "", reason!);

    static MailboxAddress? Parse(string? text, out string? reason)
    {
        reason = null;
        var s = (text ?? "").Trim();
        if (s.Length == 0) { reason = "it is empty."; return null; }

        // Bare addr-spec: no display name, no angle brackets.
        if (s.IndexOf('<') < 0 && s.IndexOf('"') < 0)
        {
            if (s.IndexOf('>') >= 0) { reason = "'>' without '<'."; return null; }
            return FromAddress(s, s, null, out reason);
        }

        var name = new StringBuilder();
        var i = 0;
        var first = true;
        while (true)
        {
            var spaced = false;
            while (i < s.Length && IsWhiteSpace(s[i])) { i++; spaced = true; }
            if (i >= s.Length) { reason = "the address in angle brackets (<address>) is missing."; return null; }
            var c = s[i];
            if (c == '<') break;
            if (!first && spaced) name.Append(' ');
            first = false;
            if (c == '"')
            {
                i++;
                var closed = false;
                while (i < s.Length)
                {
                    c = s[i];
                    if (c == '\\')
                    {
                        if (i + 1 >= s.Length) break;
                        c = s[i + 1];
                        if (IsForbiddenControl(c)) { reason = "the display name contains a control character."; return null; }
                        name.Append(c);
                        i += 2;
                        continue;
                    }
                    if (c == '"') { i++; closed = true; break; }
                    if (IsForbiddenControl(c)) { reason = "the display name contains a control character."; return null; }
                    name.Append(c);
                    i++;
                }
                if (!closed) { reason = "a quoted display name is not closed with '\"'."; return null; }
            }
            else if (IsPhraseChar(c))
            {
                while (i < s.Length && IsPhraseChar(s[i])) name.Append(s[i++]);
            }
            else
            {
                reason = c switch
                {
                    '(' => "comments in parentheses are not supported; put the name in quotes instead.",
                    ',' or ';' => "it holds more than one address or a group; give one sender at a time (quote a display name that contains ',').",
                    _ when IsForbiddenControl(c) => "the display name contains a control character.",
                    _ => $"the character '{c}' must be inside a quoted display name (\"...\").",
                };
                return null;
            }
        }

        var close = s.IndexOf('>', i + 1);
        if (close < 0) { reason = "'<' is not closed with '>'."; return null; }
        for (var k = close + 1; k < s.Length; k++)
            if (!IsWhiteSpace(s[k])) { reason = $"there is text after '>' ('{s[(close + 1)..].Trim()}'); give one sender at a time."; return null; }
        var inner = s[(i + 1)..close].Trim();
        var displayName = name.ToString();
        return FromAddress(s, inner, displayName.Trim().Length == 0 ? null : displayName, out reason);
    }

    static MailboxAddress? FromAddress(string original, string addr, string? displayName, out string? reason)
    {
        reason = null;
        var normalized = MailSyntax.NormalizeSenderAddress(addr);
        if (normalized is null)
        {
            reason = addr.Length == 0 ? "the address between '<' and '>' is empty."
                : $"'{addr}' is not an email address (local@domain, without spaces, quotes or any of <>()[]\\,;:).";
            return null;
        }
        return new MailboxAddress(original, displayName, addr, normalized);
    }

    static bool IsWhiteSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    static bool IsForbiddenControl(char c) => c != '\t' && (char.IsControl(c));

    // atext (RFC 5322 3.2.3), UTF8-non-ascii (RFC 6532) and '.' (obs-phrase).
    static bool IsPhraseChar(char c) =>
        c >= 128 ? !char.IsControl(c) && !char.IsWhiteSpace(c)
        : c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '/' or '=' or '?' or '^' or '_' or '`' or '{' or '|' or '}' or '~' or '.';

    /// <summary><c>"display name" &lt;address&gt;</c> as Odoo's formataddr writes it: the name always in
    /// quotes, with '\' and '"' escaped; the bare address when there is no name.</summary>
    public static string Format(string? displayName, string address)
    {
        if (string.IsNullOrEmpty(displayName)) return address;
        var sb = new StringBuilder(displayName.Length + address.Length + 6);
        sb.Append('"');
        foreach (var c in displayName)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(char.IsControl(c) ? ' ' : c);
        }
        return sb.Append("\" <").Append(address).Append('>').ToString();
    }

    /// <summary>Odoo's encapsulate_email: the original display name (or, without one, the local part of the
    /// original address) in front of the new address.</summary>
    public string EncapsulateWith(string address) => Format(DisplayName ?? LocalPartAsWritten, address);
}
