using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Tests.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Sending;

/// <summary>Failures a real server will not produce on demand (a refused recipient among good ones, Microsoft's replies,
/// a connection lost after the data), from a scripted SMTP server.</summary>
public class MailSenderFixtureTests
{
    const string Token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln";

    static async Task SignInAsync(ScriptedConnection c)
    {
        await c.SmtpStartTlsAsync(TestCertificates.Loopback, "AUTH XOAUTH2");
        await c.ExpectAsync("AUTH XOAUTH2");
        await c.SendAsync("235 2.7.0 Authentication successful");
    }

    static async Task DataAsync(ScriptedConnection c, string reply = "250 2.0.0 OK queued as FIXTURE")
    {
        await c.ExpectAsync("DATA");
        await c.SendAsync("354 Start mail input; end with <CRLF>.<CRLF>");
        string? line;
        while ((line = await c.ReadLineAsync()) != ".") if (line is null) throw new IOException("client closed");
        if (reply.Length > 0) await c.SendAsync(reply);
    }

    static async Task QuitAsync(ScriptedConnection c)
    {
        if (await c.ReadLineAsync() is { } q && q.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase)) await c.SendAsync("221 2.0.0 Bye");
    }

    static (MailSender Sender, MailSenderResolver Resolver) Setup(ScriptedServer server, int timeoutSeconds = 10)
    {
        var config = new OutlookConfiguration();
        config.OutgoingServers.Add(new OutgoingMailServer
        {
            Name = "fixture", Username = "sales@example.com", HostName = server.Host, Port = server.Port, FromFilter = "example.com",
        });
        var connector = new MailClientConnector(new MailClientOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(timeoutSeconds) });
        return (new MailSender(new FixedTokenProvider(Token), connector), new MailSenderResolver(config));
    }

    static PreparedMail Mail(MailSenderResolver resolver, params string[] to) =>
        MailComposer.Prepare(new MailRequest { From = "sales@example.com", To = to, Subject = "s", Body = "b" }, resolver);

    [Fact]
    public async Task A_refused_recipient_is_reported_and_the_others_get_the_message()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await SignInAsync(c);
            await c.ExpectAsync("MAIL FROM:<sales@example.com>");
            await c.SendAsync("250 2.1.0 Sender OK");
            await c.ExpectAsync("RCPT TO:<good@partner.test>");
            await c.SendAsync("250 2.1.5 Recipient OK");
            await c.ExpectAsync("RCPT TO:<gone@partner.test>");
            await c.SendAsync("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup");
            await DataAsync(c);
            await QuitAsync(c);
        });
        var (sender, resolver) = Setup(server);
        using (sender)
        using (var mail = Mail(resolver, "good@partner.test", "gone@partner.test"))
        {
            var result = await sender.SendAsync(mail, default);
            Assert.Equal(["good@partner.test"], result.Accepted);
            var refused = Assert.Single(result.Refused);
            Assert.Equal(("gone@partner.test", 550), (refused.Address, refused.StatusCode));
            Assert.Contains("RecipientNotFound", refused.Reply);
            Assert.Equal("2.0.0 OK queued as FIXTURE", result.Reply);
        }
    }

    [Theory]
    [InlineData("550 5.7.60 SMTP; Client does not have permissions to send as this sender", "SendAsDenied", "Add-RecipientPermission")]
    [InlineData("554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied", "SendAsDenied", "Send As")]
    [InlineData("451 4.7.500 Server busy. Please try again later", "Throttled", "30 messages per minute")]
    public async Task Microsofts_refusals_of_the_sender_get_their_hint(string reply, string errorId, string hintPart)
    {
        await using var server = new ScriptedServer(async c =>
        {
            await SignInAsync(c);
            await c.ExpectAsync("MAIL FROM:");
            await c.SendAsync(reply);
            if (await c.ReadLineAsync() is { } l && l.StartsWith("RSET")) await c.SendAsync("250 2.0.0 Resetting");
            await QuitAsync(c);
        });
        var (sender, resolver) = Setup(server);
        using (sender)
        using (var mail = Mail(resolver, "x@partner.test"))
        {
            var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(mail, default));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Contains(hintPart, e.Hint);
            Assert.Contains(reply[4..], e.ServerReply);
            Assert.Equal(mail.MessageId, e.MessageId);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_lost_after_the_data_is_delivery_unknown_and_is_never_sent_again(bool stalls)
    {
        await using var server = new ScriptedServer(async c =>
        {
            await SignInAsync(c);
            await c.ExpectAsync("MAIL FROM:");
            await c.SendAsync("250 2.1.0 Sender OK");
            await c.ExpectAsync("RCPT TO:");
            await c.SendAsync("250 2.1.5 Recipient OK");
            await DataAsync(c, reply: "");
            if (stalls) await c.StallAsync(); // no answer to the end of the data: the client times out
            c.Drop();
        });
        var (sender, resolver) = Setup(server, timeoutSeconds: stalls ? 1 : 10);
        using (sender)
        using (var mail = Mail(resolver, "x@partner.test"))
        {
            var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(mail, default));
            Assert.Equal("DeliveryUnknown", e.ErrorId);
            Assert.Equal(("DeliveryUnknown", FailureKind.Connection), (e.ErrorId, e.Kind));
            Assert.Contains(mail.MessageId, e.Hint);
        }
        Assert.Equal(1, server.Connections);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_the_server_closed_between_messages_is_replaced_and_the_message_is_sent_once(bool says421)
    {
        int connections = 0, transactions = 0;
        await using var server = new ScriptedServer(async c =>
        {
            var number = Interlocked.Increment(ref connections);
            await SignInAsync(c);
            var served = 0;
            while (await c.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("QUIT")) { await c.SendAsync("221 2.0.0 Bye"); return; }
                // The first connection is closed by the server (an idle timeout) when the second message starts.
                if (number == 1 && served == 1)
                {
                    if (says421) await c.SendAsync("421 4.4.2 Connection dropped due to timeout");
                    c.Drop();
                    return;
                }
                await c.SendAsync("250 2.1.0 Sender OK");
                await c.ExpectAsync("RCPT TO:");
                await c.SendAsync("250 2.1.5 Recipient OK");
                await DataAsync(c);
                served++;
                Interlocked.Increment(ref transactions);
            }
        });
        var (sender, resolver) = Setup(server);
        using (sender)
        {
            using (var first = Mail(resolver, "a@partner.test")) await sender.SendAsync(first, default);
            using (var second = Mail(resolver, "b@partner.test")) await sender.SendAsync(second, default);
            Assert.Equal(2, sender.ConnectionsOpened);
        }
        Assert.Equal(2, Volatile.Read(ref transactions));
        Assert.Equal(2, server.Connections);
    }
}
