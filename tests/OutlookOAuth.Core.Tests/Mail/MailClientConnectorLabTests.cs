using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>The shared MailKit connector against the real Postfix (submission, STARTTLS) and Dovecot (IMAPS) of the lab.</summary>
[Collection(MailLabCollection.Name)]
public class MailClientConnectorLabTests(MailLabFixture lab)
{
    MailClientConnector Connector(CertificateTrust? trust = null, TimeSpan? timeout = null) =>
        new(new MailClientOptions { Trust = trust ?? lab.Trust, Timeout = timeout ?? TimeSpan.FromSeconds(10) });

    static string SaslPayload(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    [Fact]
    public async Task Smtp_connects_with_STARTTLS_authenticates_with_XOAUTH2_and_keeps_the_token_out_of_the_transcript()
    {
        var user = MailLabFixture.NewUser("alice");
        var token = lab.Token(user, lab.SmtpScope);
        var transcript = new TranscriptBuffer();

        using var smtp = await Connector().ConnectSmtpAsync(lab.SmtpServer(user), new FixedTokenProvider(token), transcript, default);

        Assert.True(smtp.IsConnected);
        Assert.True(smtp.IsSecure);
        Assert.True(smtp.IsAuthenticated);
        await smtp.DisconnectAsync(true);
        var text = transcript.ToString();
        Assert.Contains("C: EHLO [127.0.0.1]", text);
        Assert.Contains("C: STARTTLS", text);
        Assert.Contains("TLS established", text);
        Assert.Contains("S: 235", text);
        Assert.Contains("AUTH XOAUTH2 <redacted>", text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(SaslPayload(user, token), text);
        foreach (var part in token.Split('.')) Assert.DoesNotContain(part, text);
    }

    [Fact]
    public async Task Smtp_client_sends_a_message_that_arrives_in_the_mailbox()
    {
        var user = MailLabFixture.NewUser("alice");
        using (var smtp = await Connector().ConnectSmtpAsync(lab.SmtpServer(user), new FixedTokenProvider(lab.Token(user, lab.SmtpScope)), null, default))
        {
            var message = new MimeKit.MimeMessage();
            message.From.Add(MimeKit.MailboxAddress.Parse(user));
            message.To.Add(MimeKit.MailboxAddress.Parse(user));
            message.Subject = "connector";
            message.Body = new MimeKit.TextPart("plain") { Text = "hello" };
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }
        using var imap = await Connector().ConnectImapAsync(lab.ImapServer(user), new FixedTokenProvider(lab.Token(user, lab.ImapScope)), null, default);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int count;
        do
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            count = imap.Inbox.Count;
            await imap.Inbox.CloseAsync();
            if (count > 0) break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(1, count);
    }

    [Fact]
    public async Task Imap_connects_with_implicit_TLS_authenticates_and_opens_INBOX()
    {
        var user = MailLabFixture.NewUser("bob");
        var token = lab.Token(user, lab.ImapScope);
        var transcript = new TranscriptBuffer();

        using var imap = await Connector().ConnectImapAsync(lab.ImapServer(user), new FixedTokenProvider(token), transcript, default);

        Assert.True(imap.IsSecure);
        Assert.True(imap.IsAuthenticated);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
        await imap.DisconnectAsync(true);
        var text = transcript.ToString();
        Assert.Contains("TLS established", text);
        Assert.Contains("AUTHENTICATE XOAUTH2", text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(SaslPayload(user, token), text);
    }

    [Fact]
    public async Task Smtp_refuses_a_forged_token_with_535_and_a_hint()
    {
        var user = MailLabFixture.NewUser("alice");
        var forged = lab.Issuer.Mint(user, [lab.SmtpScope], signWith: lab.ForeignKey);
        var transcript = new TranscriptBuffer();

        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            Connector().ConnectSmtpAsync(lab.SmtpServer(user), new FixedTokenProvider(forged), transcript, default));

        Assert.Equal(MailFailure.Rejected, e.Failure);
        Assert.Equal(ConnectionTestStage.Authenticate, e.Stage);
        Assert.Equal(535, e.ReplyCode);
        Assert.Equal("5.7.8", e.EnhancedCode);
        Assert.Equal("SmtpAuthenticationFailed", e.ErrorId);
        Assert.Contains("Connect-OutlookAccount", e.Hint);
        Assert.Contains("error challenge", e.ServerText);
        Assert.DoesNotContain(forged, transcript.ToString());
        Assert.DoesNotContain(forged, e.ToString());
    }

    [Fact]
    public async Task Imap_refuses_a_token_for_another_user_with_AUTHENTICATIONFAILED()
    {
        var user = MailLabFixture.NewUser("alice");
        var other = lab.Token(MailLabFixture.NewUser("bob"), lab.ImapScope);

        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            Connector().ConnectImapAsync(lab.ImapServer(user), new FixedTokenProvider(other), null, default));

        Assert.Equal(MailFailure.Rejected, e.Failure);
        Assert.Equal(ConnectionTestStage.Authenticate, e.Stage);
        Assert.Equal("AUTHENTICATIONFAILED", e.EnhancedCode);
        Assert.Equal("ImapAuthenticationFailed", e.ErrorId);
        Assert.StartsWith("NO [AUTHENTICATIONFAILED]", e.ServerText);
        Assert.NotNull(e.Hint);
    }

    [Theory]
    [InlineData(MailServerDirection.Outgoing)]
    [InlineData(MailServerDirection.Incoming)]
    public async Task An_untrusted_CA_is_refused_before_the_token_is_sent(MailServerDirection direction)
    {
        var user = MailLabFixture.NewUser("alice");
        var tokens = new FixedTokenProvider(lab.Token(user, lab.SmtpScope));
        var transcript = new TranscriptBuffer();
        var connector = Connector(new CertificateTrust()); // system roots only

        var e = await Assert.ThrowsAsync<MailProtocolException>(() => direction == MailServerDirection.Outgoing
            ? connector.ConnectSmtpAsync(lab.SmtpServer(user), tokens, transcript, default)
            : connector.ConnectImapAsync(lab.ImapServer(user), tokens, transcript, default));

        Assert.Equal(MailFailure.CertificateNotTrusted, e.Failure);
        Assert.Equal(ConnectionTestStage.Tls, e.Stage);
        Assert.Equal("CertificateNotTrusted", e.ErrorId);
        Assert.Contains("OUTLOOKOAUTH_CA_FILE", e.Hint);
        Assert.DoesNotContain("AUTH", transcript.ToString());
    }

    [Fact]
    public async Task A_name_the_certificate_does_not_carry_is_refused()
    {
        var user = MailLabFixture.NewUser("alice");
        var server = lab.ImapServer(user);
        server.HostName = "127.0.0.2"; // loopback too, but not in the certificate's SAN; Dovecot listens on 127.0.0.1 only
        if (!await Listens(server.HostName, server.Port)) server.HostName = "localhost.";
        var e = await Assert.ThrowsAnyAsync<MailProtocolException>(() =>
            Connector().ConnectImapAsync(server, new FixedTokenProvider(lab.Token(user, lab.ImapScope)), null, default));
        Assert.True(e.Failure is MailFailure.CertificateNameMismatch or MailFailure.ConnectionRefused or MailFailure.HostNotFound, e.Message);
    }

    [Fact]
    public async Task Token_failures_are_OAuth_errors_with_a_hint_and_nothing_is_connected()
    {
        var user = MailLabFixture.NewUser("alice");
        var e = await Assert.ThrowsAsync<OAuthException>(() =>
            Connector().ConnectSmtpAsync(lab.SmtpServer(user), new FailingTokenProvider(new OAuthException("NotConnected", "No account is connected.")), null, default));
        Assert.Equal("NotConnected", e.ErrorId);
        Assert.Contains("Connect-OutlookAccount", e.Hint);

        var slow = await Assert.ThrowsAsync<OAuthException>(() =>
            Connector(timeout: TimeSpan.FromMilliseconds(200)).ConnectImapAsync(lab.ImapServer(user), new FailingTokenProvider(null), null, default));
        Assert.Equal("TokenTimeout", slow.ErrorId);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_per_operation()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var user = MailLabFixture.NewUser("alice");
        var server = lab.SmtpServer(user);
        server.Port = port;
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            Connector(timeout: TimeSpan.FromMilliseconds(500)).ConnectSmtpAsync(server, new FixedTokenProvider("t"), null, default));

        Assert.Equal(MailFailure.Timeout, e.Failure);
        Assert.Equal(ConnectionTestStage.Connect, e.Stage);
        Assert.Equal("ServerNotResponding", e.ErrorId);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Caller_cancellation_stays_an_OperationCanceledException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = lab.SmtpServer(MailLabFixture.NewUser("alice"));
        server.Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Connector().ConnectSmtpAsync(server, new FixedTokenProvider("t"), null, cts.Token));
    }

    static async Task<bool> Listens(string host, int port)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try { await client.ConnectAsync(host, port, cts.Token); return true; }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }
}
