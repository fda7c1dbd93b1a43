using OutlookOAuth.Selection;
using Xunit;

namespace OutlookOAuth.Tests.Selection;

public class MailboxAddressTests
{
    [Theory]
    [InlineData("jane@example.com", null, "jane@example.com", "jane")]
    [InlineData("  Jane@Example.COM  ", null, "jane@example.com", "Jane")]
    [InlineData("<jane@example.com>", null, "jane@example.com", "jane")]
    [InlineData("< jane@example.com >", null, "jane@example.com", "jane")]
    [InlineData("Jane Doe <jane@example.com>", "Jane Doe", "jane@example.com", "jane")]
    [InlineData("Jane   Doe\t<jane@example.com>", "Jane Doe", "jane@example.com", "jane")]
    [InlineData("\"Jane Doe\" <jane@example.com>", "Jane Doe", "jane@example.com", "jane")]
    [InlineData("\"Doe, Jane\" <jane@example.com>", "Doe, Jane", "jane@example.com", "jane")]
    [InlineData("\"Jane \\\"JD\\\" Doe\" <jane@example.com>", "Jane \"JD\" Doe", "jane@example.com", "jane")]
    [InlineData("\"back\\\\slash\" <a@example.com>", "back\\slash", "a@example.com", "a")]
    [InlineData("\"  spaced  \" <a@example.com>", "  spaced  ", "a@example.com", "a")]
    [InlineData("Jane \"JD\" Doe <jane@example.com>", "Jane JD Doe", "jane@example.com", "jane")]
    [InlineData("John Q. Public <jq@example.com>", "John Q. Public", "jq@example.com", "jq")]
    [InlineData("Jürgen Müller <jm@example.com>", "Jürgen Müller", "jm@example.com", "jm")]
    [InlineData("\"李雷\" <li@example.com>", "李雷", "li@example.com", "li")]
    [InlineData("\"\" <a@example.com>", null, "a@example.com", "a")]
    [InlineData("Jane <Jane.Doe+tag@Bücher.Example>", "Jane", "jane.doe+tag@xn--bcher-kva.example", "Jane.Doe+tag")]
    [InlineData("x@xn--bcher-kva.example", null, "x@xn--bcher-kva.example", "x")]
    [InlineData("=?utf-8?b?SsO8cmdlbg==?= <j@example.com>", "=?utf-8?b?SsO8cmdlbg==?=", "j@example.com", "j")]
    // As liberal as Odoo for senders (issue 10): underscores in domain labels, single-label domains, non-ASCII local parts.
    [InlineData("test@my_host.example", null, "test@my_host.example", "test")]
    [InlineData("Odoo Bot <Bot@My_Host.Example>", "Odoo Bot", "bot@my_host.example", "Bot")]
    [InlineData("jane@localhost", null, "jane@localhost", "jane")]
    [InlineData("jäne@example.com", null, "jäne@example.com", "jäne")]
    [InlineData("a_b@sub_domain.my-host.example", null, "a_b@sub_domain.my-host.example", "a_b")]
    public void Parses_one_mailbox(string text, string? displayName, string address, string localPart)
    {
        var m = MailboxAddress.Parse(text);
        Assert.Equal(displayName, m.DisplayName);
        Assert.Equal(address, m.Address);
        Assert.Equal(localPart, m.LocalPartAsWritten);
        Assert.Equal(text.Trim(), m.Original);
        Assert.Equal(address[(address.IndexOf('@') + 1)..], m.Domain);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("jane", "not an email address")]
    [InlineData("jane@", "not an email address")]
    [InlineData("@example.com", "not an email address")]
    [InlineData("jane doe@example.com", "not an email address")]
    [InlineData("\"jane doe\"@example.com", "'@' must be inside a quoted display name")]
    [InlineData("Jane <jane@example.com", "not closed with '>'")]
    [InlineData("jane@example.com>", "'>' without '<'")]
    [InlineData("Jane Doe", "not an email address")]
    [InlineData("\"Jane Doe <jane@example.com>", "not closed")]
    [InlineData("Jane <>", "empty")]
    [InlineData("Doe, Jane <jane@example.com>", "more than one address")]
    [InlineData("a@example.com, b@example.com", "not an email address")]
    [InlineData("<a@example.com>, <b@example.com>", "text after '>'")]
    [InlineData("Jane <jane@example.com> extra", "text after '>'")]
    [InlineData("jane@example.com (Jane)", "not an email address")]
    [InlineData("Jane (work) <jane@example.com>", "comments")]
    [InlineData("jane@example.com <jane@example.com>", "'@' must be inside a quoted display name")]
    [InlineData("Team: <a@example.com>", "':' must be inside a quoted display name")]
    [InlineData("\"Jane\r\nBcc: x@evil.test\" <jane@example.com>", "control character")]
    [InlineData("Jane <jane@@example.com>", "not an email address")]
    [InlineData("jane@exa..mple.com", "not an email address")]
    [InlineData("jane@exa$mple.com", "not an email address")]
    [InlineData(".jane@example.com", "not an email address")]
    public void Refuses_what_is_not_one_mailbox(string text, string reasonPart)
    {
        var e = Assert.Throws<InvalidMailboxException>(() => MailboxAddress.Parse(text));
        Assert.Contains(reasonPart, e.Reason);
        Assert.Equal("InvalidSender", e.ErrorId);
        Assert.Equal(text, e.Value);
        Assert.Contains($"'{text}'", e.Message);
        Assert.False(MailboxAddress.TryParse(text, out var none));
        Assert.Null(none);
    }

    [Theory]
    [InlineData("Jane Doe", "n@example.com", "\"Jane Doe\" <n@example.com>")]
    [InlineData("Doe, Jane", "n@example.com", "\"Doe, Jane\" <n@example.com>")]
    [InlineData("Jane \"JD\" Doe", "n@example.com", "\"Jane \\\"JD\\\" Doe\" <n@example.com>")]
    [InlineData("a\\b", "n@example.com", "\"a\\\\b\" <n@example.com>")]
    [InlineData("Jürgen", "n@example.com", "\"Jürgen\" <n@example.com>")]
    [InlineData(null, "n@example.com", "n@example.com")]
    [InlineData("", "n@example.com", "n@example.com")]
    public void Formats_like_odoo_formataddr(string? name, string address, string expected) =>
        Assert.Equal(expected, MailboxAddress.Format(name, address));

    [Theory]
    [InlineData("\"Jane \\\"JD\\\" Doe\" <jane@example.com>")]
    [InlineData("\"Doe, Jane\" <jane@example.com>")]
    [InlineData("\"a\\\\b\" <a@example.com>")]
    [InlineData("Jürgen Müller <jm@example.com>")]
    public void Formatted_mailbox_parses_back_to_the_same_name(string text)
    {
        var m = MailboxAddress.Parse(text);
        var again = MailboxAddress.Parse(MailboxAddress.Format(m.DisplayName, m.Address));
        Assert.Equal(m.DisplayName, again.DisplayName);
        Assert.Equal(m.Address, again.Address);
    }

    [Theory]
    [InlineData("\"Jane Doe\" <jane@other.com>", "\"Jane Doe\" <n@example.com>")]
    [InlineData("Jane.Doe@Other.com", "\"Jane.Doe\" <n@example.com>")]
    [InlineData("<jd@other.com>", "\"jd\" <n@example.com>")]
    public void Encapsulates_with_the_name_or_the_local_part(string text, string expected) =>
        Assert.Equal(expected, MailboxAddress.Parse(text).EncapsulateWith("n@example.com"));
}
