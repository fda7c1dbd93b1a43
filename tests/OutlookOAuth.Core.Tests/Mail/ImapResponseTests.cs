using System.Text;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

public class ImapResponseTests
{
    static ImapResponse Parse(params object[] parts) => ImapResponse.Parse(parts);

    [Fact]
    public void Tagged_completion_with_a_response_code()
    {
        var r = Parse("A0003 NO [AUTHENTICATIONFAILED] Authentication failed.");
        Assert.Equal(ImapResponseKind.Tagged, r.Kind);
        Assert.Equal("A0003", r.Tag);
        Assert.Equal(ImapStatus.No, r.Status);
        Assert.Equal("AUTHENTICATIONFAILED", r.ResponseCodeName);
        Assert.Equal("Authentication failed.", r.Text);
    }

    [Fact]
    public void Microsoft_failure_without_a_code()
    {
        var r = Parse("A0002 NO AUTHENTICATE failed.");
        Assert.Equal(ImapStatus.No, r.Status);
        Assert.Null(r.ResponseCode);
        Assert.Equal("AUTHENTICATE failed.", r.Text);
    }

    [Fact]
    public void Untagged_status_with_arguments_in_the_code()
    {
        var r = Parse("* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags permitted.");
        Assert.Equal(ImapResponseKind.Untagged, r.Kind);
        Assert.Equal(ImapStatus.Ok, r.Status);
        Assert.Equal("PERMANENTFLAGS", r.ResponseCodeName);
        Assert.Equal("PERMANENTFLAGS (\\Answered \\Seen \\*)", r.ResponseCode);
        Assert.Equal("Flags permitted.", r.Text);
    }

    [Fact]
    public void Continuation_requests_keep_their_text_even_when_it_looks_like_a_literal()
    {
        var r = Parse("+ eyJzdGF0dXMiOiI0MDEifQ==");
        Assert.Equal(ImapResponseKind.Continuation, r.Kind);
        Assert.Equal("eyJzdGF0dXMiOiI0MDEifQ==", r.Text);
        Assert.Equal("", Parse("+").Text);
    }

    [Fact]
    public void Numbered_data_responses()
    {
        var r = Parse("* 23 EXISTS");
        Assert.Equal(23, r.Number);
        Assert.Equal("EXISTS", r.Keyword);
        Assert.Empty(r.Data);
    }

    [Fact]
    public void Capability_list_and_flags_list()
    {
        var cap = Parse("* CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 ID");
        Assert.Equal("CAPABILITY", cap.Keyword);
        Assert.Equal(["IMAP4rev1", "SASL-IR", "AUTH=XOAUTH2", "ID"], cap.Data.Select(t => t.AsString()));
        var flags = Parse("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
        Assert.Equal(ImapTokenKind.List, flags.Data[0].Kind);
        Assert.Equal(5, flags.Data[0].Items.Count);
        Assert.Equal("\\Seen", flags.Data[0].Items[3].Text);
    }

    [Fact]
    public void Fetch_with_a_literal_nested_lists_quoted_strings_and_NIL()
    {
        var body = Encoding.UTF8.GetBytes("Subject: hi\r\n\r\n.dot line\r\n");
        var r = Parse("* 4 FETCH (UID 17 FLAGS (\\Seen) ENVELOPE (\"Mon, 1 Jan 2024\" \"a \\\"quoted\\\" subject\" NIL) BODY[HEADER.FIELDS (SUBJECT DATE)] {" + body.Length + "}", body, ")");
        Assert.Equal(4, r.Number);
        Assert.Equal("FETCH", r.Keyword);
        var items = r.Data[0].Items;
        Assert.Equal("UID", items[0].Text);
        Assert.Equal(ImapTokenKind.Number, items[1].Kind);
        Assert.Equal(17, items[1].Number);
        Assert.Equal("\\Seen", items[3].Items[0].Text);
        var envelope = items[5].Items;
        Assert.Equal("a \"quoted\" subject", envelope[1].Text);
        Assert.Equal(ImapTokenKind.Nil, envelope[2].Kind);
        Assert.Equal("BODY[HEADER.FIELDS (SUBJECT DATE)]", items[6].Text);
        Assert.Equal(ImapTokenKind.Literal, items[7].Kind);
        Assert.Equal(body, items[7].Bytes);
        Assert.Equal("Subject: hi\r\n\r\n.dot line\r\n", items[7].AsString());
        Assert.Equal(8, items.Count);
    }

    [Fact]
    public void Two_literals_in_one_response()
    {
        var r = Parse("* 1 FETCH (BODY[1] {3}", "abc"u8.ToArray(), " BODY[2] {2}", "de"u8.ToArray(), ")");
        var items = r.Data[0].Items;
        Assert.Equal("abc", items[1].AsString());
        Assert.Equal("de", items[3].AsString());
    }

    [Fact]
    public void Search_results()
    {
        var r = Parse("* SEARCH 2 3 5");
        Assert.Equal("SEARCH", r.Keyword);
        Assert.Equal([2L, 3L, 5L], r.Data.Select(t => t.Number));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("A1 HELLO world")]
    [InlineData("* 3")]
    [InlineData("* FLAGS (\\Seen")]
    [InlineData("* LIST () \"/\" \"unterminated")]
    [InlineData("* OK [UNCLOSED code")]
    [InlineData("A(1 OK done")]
    public void Malformed_responses_are_protocol_violations(string line)
    {
        var e = Assert.Throws<MailProtocolException>(() => Parse(line));
        Assert.Equal(MailFailure.ProtocolViolation, e.Failure);
    }

    [Fact]
    public void A_literal_marker_without_its_bytes_is_a_protocol_violation()
    {
        Assert.Throws<MailProtocolException>(() => Parse("* 1 FETCH (BODY[] {3}"));
        Assert.Throws<MailProtocolException>(() => Parse("* 1 FETCH (BODY[] {3} trailing)", "abc"u8.ToArray(), ")"));
    }

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Sent Items", "\"Sent Items\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("", "\"\"")]
    public void Quote_makes_atoms_or_quoted_strings(string value, string expected) =>
        Assert.Equal(expected, ImapSession.Quote(value));

    [Fact]
    public void Quote_refuses_line_breaks() => Assert.Throws<ArgumentException>(() => ImapSession.Quote("a\r\nA1 LOGOUT"));
}
