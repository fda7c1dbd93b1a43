using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>The connector against socket fixtures: hostile or broken servers a real one cannot be made to be.</summary>
public class MailClientConnectorFixtureTests
{
    const string User = "sales@contoso.com";
    const string Token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln";

    static MailClientConnector Connector(double seconds = 5) =>
        new(new MailClientOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(seconds) });

    static OutgoingMailServer Smtp(ScriptedServer server, SmtpEncryption encryption = SmtpEncryption.StartTls) =>
        new() { Name = "sales", Username = User, FromFilter = User, HostName = server.Host, Port = server.Port, Encryption = encryption };

    [Fact]
    public async Task A_server_that_does_not_speak_TLS_on_an_implicit_TLS_port_fails_without_hanging()
    {
        await using var server = new ScriptedServer(async c => { await c.SendAsync("220 plain text server"); await c.StallAsync(); });
        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            Connector(2).ConnectSmtpAsync(Smtp(server, SmtpEncryption.Ssl), new FixedTokenProvider(Token), null, default));
        Assert.True(e.Failure is MailFailure.TlsHandshakeFailed or MailFailure.Timeout, e.Failure.ToString());
        Assert.Equal(ConnectionTestStage.Tls, e.Stage);
    }

    [Fact]
    public async Task Replies_injected_before_the_TLS_handshake_are_not_taken_as_the_servers_capabilities()
    {
        // STARTTLS injection (CVE-2011-0411 style): a man in the middle appends a plain-text reply to "220 go ahead".
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 fixture ESMTP");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 STARTTLS");
            await c.ExpectAsync("STARTTLS");
            await c.SendRawAsync("220 go ahead\r\n250-injected\r\n250 AUTH XOAUTH2 PLAIN\r\n"u8.ToArray());
            await c.TlsAsync(TestCertificates.Loopback);
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 AUTH XOAUTH2");
            var auth = await c.ReadLineAsync();
            if (auth is not null && auth.StartsWith("AUTH", StringComparison.Ordinal)) await c.SendAsync("235 2.7.0 ok");
            await c.ReadLineAsync();
        });
        var transcript = new TranscriptBuffer();
        try
        {
            using var client = await Connector(2).ConnectSmtpAsync(Smtp(server), new FixedTokenProvider(Token), transcript, default);
            // MailKit drops what was read before the handshake (the transcript shows it as received): the capabilities
            // are the ones sent inside TLS, not the injected ones.
            Assert.DoesNotContain("PLAIN", client.AuthenticationMechanisms);
        }
        catch (MailProtocolException e)
        {
            Assert.True(e.Failure is MailFailure.ProtocolViolation or MailFailure.TlsHandshakeFailed or MailFailure.Timeout or MailFailure.ConnectionClosed, e.ToString());
        }
    }

    [Fact]
    public async Task A_server_without_STARTTLS_never_gets_the_token()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 fixture");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 AUTH XOAUTH2");
            await c.ReadLineAsync();
        });
        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            Connector().ConnectSmtpAsync(Smtp(server), new FixedTokenProvider(Token), null, default));
        Assert.Equal((ConnectionTestStage.Tls, MailFailure.NotSupported, "StartTlsNotOffered"), (e.Stage, e.Failure, e.ErrorId));
        Assert.DoesNotContain(server.Received, l => l.StartsWith("AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Password_servers_are_refused_with_a_hint()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        var smtp = Smtp(server);
        smtp.Authentication = ServerAuthentication.Password;
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => Connector().ConnectSmtpAsync(smtp, new FixedTokenProvider(Token), null, default));
        Assert.Equal("PasswordAuthenticationNotSupported", e.ErrorId);
        Assert.NotNull(e.Hint);
    }
}
