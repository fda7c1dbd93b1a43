using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Selection;
using OutlookOAuth.Tests.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Sending;

/// <summary>Replies the lab's Postfix gives only in part (it advertises SIZE, so MailKit never sends it an oversized MAIL FROM;
/// it has no SMTPUTF8), from a scripted SMTP server: issue 16, items 11 to 13.</summary>
public class SendRefusalFixtureTests
{
    const string Token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln";

    static async Task SignInAsync(ScriptedConnection c, string extensions = "")
    {
        await c.SmtpStartTlsAsync(TestCertificates.Loopback, "AUTH XOAUTH2" + extensions);
        await c.ExpectAsync("AUTH XOAUTH2");
        await c.SendAsync("235 2.7.0 Authentication successful");
    }

    static async Task DataAsync(ScriptedConnection c)
    {
        await c.ExpectAsync("DATA");
        await c.SendAsync("354 Start mail input; end with <CRLF>.<CRLF>");
        string? line;
        while ((line = await c.ReadLineAsync()) != ".") if (line is null) throw new IOException("client closed");
        await c.SendAsync("250 2.0.0 OK queued as FIXTURE");
    }

    static async Task QuitAsync(ScriptedConnection c)
    {
        var q = await c.ReadLineAsync();
        Assert.StartsWith("QUIT", q);
        await c.SendAsync("221 2.0.0 Bye");
    }

    static (MailSender Sender, MailSenderResolver Resolver) Setup(ScriptedServer server)
    {
        var config = new OutlookConfiguration();
        config.OutgoingServers.Add(new OutgoingMailServer
        {
            Name = "fixture", Username = "sales@example.com", HostName = server.Host, Port = server.Port, FromFilter = "example.com",
        });
        var connector = new MailClientConnector(new MailClientOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(10) });
        return (new MailSender(new FixedTokenProvider(Token), connector), new MailSenderResolver(config));
    }

    static PreparedMail Mail(MailSenderResolver resolver, params string[] to) =>
        MailComposer.Prepare(new MailRequest { From = "sales@example.com", To = to, Subject = "s", Body = "b" }, resolver);

    [Theory]
    [InlineData("552 5.3.4 Message size exceeds fixed limit", "MessageTooLarge", "35 MB")]
    [InlineData("451 4.3.0 Mail server temporarily rejected message", "Throttled", null)]
    public async Task A_refused_MAIL_FROM_keeps_the_servers_own_reply_not_the_503_of_the_pipelined_recipients(string reply, string errorId, string? hint)
    {
        await using var server = new ScriptedServer(async c =>
        {
            await SignInAsync(c, "\r\n250-PIPELINING");
            await c.ExpectAsync("MAIL FROM:<sales@example.com>");
            await c.ExpectAsync("RCPT TO:<x@partner.test>");
            await c.SendAsync(reply, "503 5.5.1 Error: need MAIL command");
            await c.ExpectAsync("RSET");
            await c.SendAsync("250 2.0.0 Ok");
            await QuitAsync(c);
        });
        var (sender, resolver) = Setup(server);
        using (sender)
        using (var mail = Mail(resolver, "x@partner.test"))
        {
            var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(mail, default));
            Assert.Equal((errorId, FailureKind.LimitsExceeded, reply), (e.ErrorId, e.Kind, e.ServerReply));
            Assert.DoesNotContain("503", e.Message);
            if (hint is not null) Assert.Contains(hint, e.Hint);
        }
    }

    [Fact]
    public async Task A_message_over_the_advertised_SIZE_is_refused_before_MAIL_FROM_naming_both_sizes()
    {
        var big = Path.Combine(Path.GetTempPath(), $"big-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(big, new byte[200_000]);
        try
        {
            await using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync("220 fixture.test ESMTP ready");
                await c.ExpectAsync("EHLO");
                await c.SendAsync("250-fixture.test Hello", "250-SIZE 100000", "250-STARTTLS", "250 ENHANCEDSTATUSCODES");
                await c.ExpectAsync("STARTTLS");
                await c.SendAsync("220 2.0.0 SMTP server ready");
                await c.TlsAsync(TestCertificates.Loopback);
                await c.ExpectAsync("EHLO");
                await c.SendAsync("250-fixture.test Hello", "250-SIZE 100000", "250-AUTH XOAUTH2", "250 ENHANCEDSTATUSCODES");
                await c.ExpectAsync("AUTH XOAUTH2");
                await c.SendAsync("235 2.7.0 Authentication successful");
                await QuitAsync(c); // no MAIL FROM: the message never left
            });
            var (sender, resolver) = Setup(server);
            using (sender)
            using (var mail = MailComposer.Prepare(new MailRequest { From = "sales@example.com", To = ["x@partner.test"], Attachments = [big] }, resolver))
            {
                var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(mail, default));
                Assert.Equal("MessageTooLarge", e.ErrorId);
                Assert.Matches(@"is 27\d,\d{3} bytes", e.Message);
                Assert.Contains("at most 100,000 bytes", e.Message);
            }
        }
        finally { File.Delete(big); }
    }

    [Fact]
    public async Task Recipients_refused_with_452_too_many_recipients_get_the_message_in_a_further_transaction()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await SignInAsync(c);
            await c.ExpectAsync("MAIL FROM:<sales@example.com>");
            await c.SendAsync("250 2.1.0 Ok");
            await c.ExpectAsync("RCPT TO:<a@partner.test>");
            await c.SendAsync("250 2.1.5 Ok");
            await c.ExpectAsync("RCPT TO:<b@partner.test>");
            await c.SendAsync("452 4.5.3 Error: too many recipients");
            await c.ExpectAsync("RCPT TO:<c@partner.test>");
            await c.SendAsync("550 5.1.1 <c@partner.test>: Recipient address rejected");
            await DataAsync(c);
            await c.ExpectAsync("MAIL FROM:<sales@example.com>");
            await c.SendAsync("250 2.1.0 Ok");
            await c.ExpectAsync("RCPT TO:<b@partner.test>");
            await c.SendAsync("250 2.1.5 Ok");
            await DataAsync(c);
            await QuitAsync(c);
        });
        var (sender, resolver) = Setup(server);
        using (sender)
        using (var mail = Mail(resolver, "a@partner.test", "b@partner.test", "c@partner.test"))
        {
            var result = await sender.SendAsync(mail, default);
            Assert.Equal(["a@partner.test", "b@partner.test"], result.Accepted);
            var refused = Assert.Single(result.Refused);
            Assert.Equal("c@partner.test", refused.Address);
            var error = Assert.Single(SendFailureHints.RefusedRecipients(result));
            Assert.Equal(("RecipientRefused", FailureKind.PermissionDenied), (error.ErrorId, error.Kind));
            Assert.Contains("c@partner.test", error.Message);
            Assert.StartsWith("550 5.1.1", error.ServerReply);
            Assert.Same(refused, error.Target);
            Assert.NotNull(error.Hint);
        }
    }

    [Fact]
    public async Task A_non_ASCII_local_part_is_refused_without_SMTPUTF8_and_sent_with_it()
    {
        await using var without = new ScriptedServer(async c =>
        {
            await SignInAsync(c);
            await QuitAsync(c); // nothing of the message was sent
        });
        var (sender, resolver) = Setup(without);
        using (sender)
        using (var mail = Mail(resolver, "jürgen@partner.test"))
        {
            var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(mail, default));
            Assert.Equal("SmtpUtf8NotSupported", e.ErrorId);
            Assert.Contains("jürgen@partner.test", e.Message);
        }

        await using var with = new ScriptedServer(async c =>
        {
            await SignInAsync(c, "\r\n250-8BITMIME\r\n250-SMTPUTF8");
            var mailFrom = await c.ExpectAsync("MAIL FROM:<sales@example.com>");
            Assert.Contains("SMTPUTF8", mailFrom);
            await c.SendAsync("250 2.1.0 Ok");
            await c.ExpectAsync("RCPT TO:<jürgen@partner.test>");
            await c.SendAsync("250 2.1.5 Ok");
            await DataAsync(c);
            await QuitAsync(c);
        });
        (sender, resolver) = Setup(with);
        using (sender)
        using (var mail = Mail(resolver, "jürgen@partner.test"))
            Assert.Equal(["jürgen@partner.test"], (await sender.SendAsync(mail, default)).Accepted);
    }
}
