using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

public class SmtpReplyTests
{
    [Fact]
    public void Parses_a_multi_line_EHLO_reply()
    {
        var reply = SmtpReply.Parse(["250-smtp.office365.com Hello [192.0.2.1]", "250-SIZE 157286400", "250-STARTTLS", "250 SMTPUTF8"]);
        Assert.Equal(250, reply.Code);
        Assert.Equal(["smtp.office365.com Hello [192.0.2.1]", "SIZE 157286400", "STARTTLS", "SMTPUTF8"], reply.Lines);
        Assert.Null(reply.EnhancedCode);
        Assert.True(reply.IsPositiveCompletion);
    }

    [Theory]
    [InlineData("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", 535, "5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")]
    [InlineData("535 5.7.3 Authentication unsuccessful [SN4PR0401CA0001.namprd04.prod.outlook.com]", 535, "5.7.3", "Authentication unsuccessful [SN4PR0401CA0001.namprd04.prod.outlook.com]")]
    [InlineData("530 5.7.57 Client not authenticated to send mail.", 530, "5.7.57", "Client not authenticated to send mail.")]
    [InlineData("250 2.1.0 Sender OK", 250, "2.1.0", "Sender OK")]
    [InlineData("220 mailtest.localhost ESMTP mailtest", 220, null, "mailtest.localhost ESMTP mailtest")]
    [InlineData("250", 250, null, "")]
    [InlineData("354 End data with <CR><LF>.<CR><LF>", 354, null, "End data with <CR><LF>.<CR><LF>")]
    // The class of an enhanced code must match the reply's: "5.1.1" after a 250 is text, not a status code.
    [InlineData("250 5.1.1 looks like a code", 250, null, "5.1.1 looks like a code")]
    public void Separates_code_enhanced_code_and_text(string line, int code, string? enhanced, string text)
    {
        var reply = SmtpReply.Parse([line]);
        Assert.Equal(code, reply.Code);
        Assert.Equal(enhanced, reply.EnhancedCode);
        Assert.Equal(text, reply.Text);
    }

    [Fact]
    public void Multi_line_error_keeps_the_first_enhanced_code_and_joins_the_text()
    {
        var reply = SmtpReply.Parse(["550-5.7.60 SMTP; Client does not have permissions", "550 5.7.60 to send as this sender"]);
        Assert.Equal("5.7.60", reply.EnhancedCode);
        Assert.Equal("SMTP; Client does not have permissions to send as this sender", reply.Text);
        Assert.Equal("550 5.7.60 SMTP; Client does not have permissions to send as this sender", reply.ToString());
    }

    [Theory]
    [InlineData("25")]
    [InlineData("2500 too long")]
    [InlineData("abc hello")]
    [InlineData("650 no such class")]
    [InlineData("250_underscore")]
    public void Rejects_malformed_lines(string line)
    {
        var e = Assert.Throws<MailProtocolException>(() => SmtpReply.Parse([line]));
        Assert.Equal(MailFailure.ProtocolViolation, e.Failure);
    }

    [Fact]
    public void Rejects_lines_that_disagree_on_the_code_or_on_continuation()
    {
        Assert.Throws<MailProtocolException>(() => SmtpReply.Parse(["250-first", "251 second"]));
        Assert.Throws<MailProtocolException>(() => SmtpReply.Parse(["250 first", "250 second"]));
        Assert.Throws<MailProtocolException>(() => SmtpReply.Parse(["250-first", "250-second"]));
    }
}
