using System.Diagnostics;
using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Test-OutlookConnection's core against socket fixtures: failures that real servers cannot be made to
/// produce on demand (stalls, drops, Microsoft 365's exact replies).</summary>
public class ConnectionTesterFixtureTests
{
    const string User = "sales@contoso.com";

    static ConnectionTester Tester(IAccessTokenProvider? tokens = null, double timeout = 5) =>
        new(tokens ?? new FixedTokenProvider("eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln"), new ConnectionTestOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(timeout) });

    static OutgoingMailServer Smtp(ScriptedServer server) => Smtp(server.Host, server.Port);
    static OutgoingMailServer Smtp(string host, int port) => new() { Name = "sales", Username = User, FromFilter = User, HostName = host, Port = port };
    static IncomingMailServer Imap(ScriptedServer server) => new() { Name = "inbox", Username = User, HostName = server.Host, Port = server.Port };

    [Fact]
    public async Task Server_not_listening()
    {
        var result = await Tester().TestAsync(Smtp("127.0.0.1", ScriptedServer.UnusedPort()));
        Assert.False(result.Success);
        Assert.Equal(ConnectionTestStage.Connect, result.Stage);
        Assert.Equal("ConnectionRefused", result.ErrorId);
    }

    [Fact]
    public async Task Host_that_does_not_resolve()
    {
        var result = await Tester().TestAsync(Smtp("smtp.no-such-tenant.outlookoauth.invalid", 587));
        Assert.Equal((ConnectionTestStage.Connect, "HostNotFound"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Smtp_server_that_stalls_after_the_greeting_times_out_at_Connect()
    {
        await using var server = new ScriptedServer(async c => { await c.SendAsync("220 fixture ESMTP"); await c.ReadLineAsync(); await c.StallAsync(); });
        var watch = Stopwatch.StartNew();
        var result = await Tester(timeout: 1).TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Connect, "ServerNotResponding"), (result.Stage, result.ErrorId));
        // The 1 s limit, not the default 30 s (wide bounds: a loaded CI machine must not make this fail).
        Assert.InRange(result.StageDurations.Single(s => s.Stage == ConnectionTestStage.Connect).Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Contains("EHLO", server.Received.Single());
    }

    [Fact]
    public async Task Imap_server_that_stalls_after_the_TLS_greeting_times_out_at_Tls()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.TlsAsync(TestCertificates.Loopback);
            await c.SendAsync("* OK fixture ready");
            await c.ReadLineAsync();
            await c.StallAsync();
        });
        var result = await Tester(timeout: 1).TestAsync(Imap(server));
        Assert.Equal((ConnectionTestStage.Tls, "TlsTimeout"), (result.Stage, result.ErrorId));
        Assert.EndsWith("CAPABILITY", server.Received.Single());
    }

    [Fact]
    public async Task Smtp_server_that_stalls_after_AUTH_times_out_at_Authenticate()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SmtpStartTlsAsync(TestCertificates.Loopback);
            await c.ExpectAsync("AUTH XOAUTH2 ");
            await c.StallAsync();
        });
        var result = await Tester(timeout: 1).TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Authenticate, "Timeout"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Smtp_server_that_drops_during_AUTH()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SmtpStartTlsAsync(TestCertificates.Loopback);
            await c.ExpectAsync("AUTH XOAUTH2 ");
            c.Drop();
        });
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Authenticate, "ConnectionClosedDuringAuthentication"), (result.Stage, result.ErrorId));
        Assert.Null(result.ReplyCode);
    }

    [Fact]
    public async Task Imap_server_that_drops_during_AUTHENTICATE()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.ImapTlsGreetingAsync(TestCertificates.Loopback);
            await c.ExpectCommandAsync("AUTHENTICATE XOAUTH2 ");
            c.Drop();
        });
        var result = await Tester().TestAsync(Imap(server));
        Assert.Equal((ConnectionTestStage.Authenticate, "ConnectionClosedDuringAuthentication"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Untrusted_certificate_fails_at_Tls_for_both_directions()
    {
        await using var smtp = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 fixture");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 STARTTLS");
            await c.ExpectAsync("STARTTLS");
            await c.SendAsync("220 go");
            await c.TlsAsync(TestCertificates.SelfSigned);
        });
        await using var imap = new ScriptedServer(c => c.TlsAsync(TestCertificates.SelfSigned));
        var results = new[] { await Tester().TestAsync(Smtp(smtp)), await Tester().TestAsync(Imap(imap)) };
        Assert.All(results, r => Assert.Equal((ConnectionTestStage.Tls, "CertificateNotTrusted"), (r.Stage, r.ErrorId)));
    }

    [Fact]
    public async Task Certificate_for_another_name_fails_at_Tls()
    {
        await using var imap = new ScriptedServer(c => c.TlsAsync(TestCertificates.OtherName));
        var result = await Tester().TestAsync(Imap(imap));
        Assert.Equal((ConnectionTestStage.Tls, "CertificateNameMismatch"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Server_without_STARTTLS_never_gets_the_token()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 fixture");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 AUTH XOAUTH2");
            await c.ReadLineAsync();
        });
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Tls, "StartTlsNotOffered"), (result.Stage, result.ErrorId));
        Assert.DoesNotContain(server.Received, l => l.StartsWith("AUTH", StringComparison.Ordinal));
    }

    /// <summary>A Microsoft-365-like SMTP server: STARTTLS, then the given replies to AUTH, MAIL, RCPT, DATA.</summary>
    static ScriptedServer Microsoft365(string auth = "235 2.7.0 Authentication successful", string mail = "250 2.1.0 Sender OK",
        string rcpt = "250 2.1.5 Recipient OK", string data = "354 Start mail input; end with <CRLF>.<CRLF>") => new(async c =>
    {
        await c.SmtpStartTlsAsync(TestCertificates.Loopback);
        var replies = new Queue<string>([auth, mail, rcpt, data]);
        while (await c.ReadLineAsync() is { } line)
        {
            if (line == "QUIT") { await c.SendAsync("221 2.0.0 Service closing transmission channel"); return; }
            var reply = replies.Dequeue();
            await c.SendAsync(reply);
            if (reply.StartsWith("354", StringComparison.Ordinal))
            {
                // Whatever the client sends now would be message content; a correct probe just closes.
                var next = await c.ReadLineAsync();
                if (next is not null) throw new InvalidDataException("content sent after 354: " + next);
                return;
            }
        }
    });

    [Fact]
    public async Task Success_closes_after_354_without_sending_content_or_QUIT()
    {
        await using var server = Microsoft365();
        var result = await Tester().TestAsync(Smtp(server));
        Assert.True(result.Success, result.Message);
        await server.DisposeAsync();
        Assert.Equal("DATA", server.Received[^1]);
        Assert.Equal(["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA"], server.Received.Select(l => l.Split(' ')[0]));
        Assert.Equal($"MAIL FROM:<{User}>", server.Received[4]);
        Assert.Equal($"RCPT TO:<{User}>", server.Received[5]);
    }

    [Fact]
    public async Task Smtp_auth_disabled_for_the_tenant()
    {
        const string text = "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR10CA0001.EURPRD10.PROD.OUTLOOK.COM]";
        await using var server = Microsoft365(auth: "535 5.7.139 " + text);
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal(ConnectionTestStage.Authenticate, result.Stage);
        Assert.Equal((535, "5.7.139", text), (result.ReplyCode, result.EnhancedCode, result.ServerText));
        Assert.Equal("SmtpAuthDisabledForTenant", result.ErrorId);
        Assert.Contains("Set-TransportConfig -SmtpClientAuthenticationDisabled $false", result.Hint);
        await server.DisposeAsync();
        Assert.Equal("QUIT", server.Received[^1]); // a polite end after a refusal
    }

    [Fact]
    public async Task Smtp_535_5_7_3()
    {
        await using var server = Microsoft365(auth: "535 5.7.3 Authentication unsuccessful [SN4PR0401CA0001.namprd04.prod.outlook.com]");
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal(("SmtpAuthenticationUnsuccessful", 535, "5.7.3"), (result.ErrorId, result.ReplyCode, result.EnhancedCode));
    }

    [Fact]
    public async Task Smtp_535_5_7_3_with_an_app_only_token_points_at_the_service_principal()
    {
        await using var server = Microsoft365(auth: "535 5.7.3 Authentication unsuccessful");
        var result = await Tester(new FixedTokenProvider("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", appOnly: true)).TestAsync(Smtp(server));
        Assert.Equal("SmtpAuthenticationUnsuccessful", result.ErrorId);
        Assert.Contains("New-ServicePrincipal", result.Hint);
    }

    [Fact]
    public async Task Smtp_530_5_7_57_at_MAIL_FROM()
    {
        await using var server = Microsoft365(mail: "530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.3 Authentication unsuccessful");
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Sender, "ClientNotAuthenticated", 530, "5.7.57"), (result.Stage, result.ErrorId, result.ReplyCode, result.EnhancedCode));
    }

    [Theory]
    [InlineData("550 5.7.60 SMTP; Client does not have permissions to send as this sender", ConnectionTestStage.Sender)]
    [InlineData("554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception", ConnectionTestStage.Sender)]
    public async Task Smtp_send_as_denied(string reply, ConnectionTestStage stage)
    {
        await using var server = Microsoft365(mail: reply);
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((stage, "SendAsDenied"), (result.Stage, result.ErrorId));
        Assert.Contains($"-FromFilter '{User}'", result.Hint);
    }

    [Fact]
    public async Task Smtp_recipient_refused()
    {
        await using var server = Microsoft365(rcpt: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup");
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Recipient, "RecipientRejected", "5.1.10"), (result.Stage, result.ErrorId, result.EnhancedCode));
    }

    [Fact]
    public async Task Smtp_DATA_refused()
    {
        await using var server = Microsoft365(data: "554 5.7.0 Message rejected");
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Data, "DataRejected"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Smtp_without_XOAUTH2()
    {
        await using var server = new ScriptedServer(async c => { await c.SmtpStartTlsAsync(TestCertificates.Loopback, auth: "AUTH LOGIN PLAIN"); await c.ReadLineAsync(); });
        var result = await Tester().TestAsync(Smtp(server));
        Assert.Equal((ConnectionTestStage.Authenticate, "XOAuth2NotOffered"), (result.Stage, result.ErrorId));
    }

    /// <summary>An IMAP server without SASL-IR (continuation path) that checks the exact SASL string, like Outlook.</summary>
    static ScriptedServer OutlookImap(string token, bool accept) => new(async c =>
    {
        await c.ImapTlsGreetingAsync(TestCertificates.Loopback, "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 UIDPLUS");
        var auth = await c.ExpectCommandAsync("AUTHENTICATE XOAUTH2");
        await c.SendAsync("+ ");
        var sasl = Encoding.UTF8.GetString(Convert.FromBase64String((await c.ReadLineAsync())!));
        if (accept && sasl == $"user={User}\u0001auth=Bearer {token}\u0001\u0001")
        {
            await c.SendAsync($"{auth} OK AUTHENTICATE completed.");
            var select = await c.ExpectCommandAsync("SELECT INBOX", "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 UIDPLUS");
            await c.SendAsync("* 3 EXISTS", "* 0 RECENT", "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)",
                "* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Permanent flags", "* OK [UIDVALIDITY 14] UIDVALIDITY value",
                "* OK [UIDNEXT 40] The next unique identifier value", $"{select} OK [READ-WRITE] SELECT completed.");
            var logout = await c.ExpectCommandAsync("LOGOUT");
            await c.SendAsync("* BYE Microsoft Exchange Server IMAP4 server signing off.", $"{logout} OK LOGOUT completed.");
        }
        else await c.SendAsync($"{auth} NO AUTHENTICATE failed.");
        await c.ReadLineAsync();
    });

    [Fact]
    public async Task Imap_continuation_path_with_the_exact_SASL_string()
    {
        const string token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln";
        await using var server = OutlookImap(token, accept: true);
        var result = await Tester(new FixedTokenProvider(token)).TestAsync(Imap(server));
        Assert.True(result.Success, result.Message);
        Assert.Equal(3, result.MessageCount);
    }

    [Fact]
    public async Task Imap_AUTHENTICATE_failed_as_Outlook_says_it()
    {
        await using var server = OutlookImap("x", accept: false);
        var result = await Tester().TestAsync(Imap(server));
        Assert.Equal((ConnectionTestStage.Authenticate, "ImapAuthenticationFailed", "NO AUTHENTICATE failed."), (result.Stage, result.ErrorId, result.ServerText));
    }

    [Fact]
    public async Task Imap_STARTTLS_path_on_a_plain_port()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("* OK fixture IMAP4rev1 ready");
            var capability = await c.ExpectCommandAsync("CAPABILITY");
            await c.SendAsync("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED", $"{capability} OK done");
            var startTls = await c.ExpectCommandAsync("STARTTLS");
            await c.SendAsync($"{startTls} OK Begin TLS negotiation now");
            await c.TlsAsync(TestCertificates.Loopback);
            capability = await c.ExpectCommandAsync("CAPABILITY");
            await c.SendAsync("* CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2", $"{capability} OK done");
            var auth = await c.ExpectCommandAsync("AUTHENTICATE XOAUTH2 ");
            await c.SendAsync($"{auth} OK Logged in");
            var select = await c.ExpectCommandAsync("SELECT INBOX");
            await c.SendAsync("* 7 EXISTS", $"{select} OK [READ-WRITE] Select completed");
            var logout = await c.ExpectCommandAsync("LOGOUT");
            await c.SendAsync("* BYE", $"{logout} OK");
        });
        var imap = Imap(server);
        imap.Ssl = false;
        var result = await Tester().TestAsync(imap);
        Assert.True(result.Success, result.Message);
        Assert.Equal(7, result.MessageCount);
        // The token only went over TLS: AUTHENTICATE comes after STARTTLS.
        Assert.True(server.Received.FindIndex(l => l.Contains("AUTHENTICATE")) > server.Received.FindIndex(l => l.Contains("STARTTLS")));
    }

    [Fact]
    public async Task Smtp_implicit_TLS_path()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.TlsAsync(TestCertificates.Loopback);
            await c.SendAsync("220 fixture ESMTP");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 AUTH XOAUTH2");
            await c.ExpectAsync("AUTH XOAUTH2 ");
            await c.SendAsync("235 2.7.0 ok");
            await c.ExpectAsync("MAIL FROM:");
            await c.SendAsync("250 2.1.0 ok");
            await c.ExpectAsync("RCPT TO:");
            await c.SendAsync("250 2.1.5 ok");
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 go");
            await c.ReadLineAsync();
        });
        var smtp = Smtp(server);
        smtp.Encryption = SmtpEncryption.Ssl; // ServerRules refuse this for Outlook servers; the client still supports it (port 465)
        var result = await Tester().TestAsync(smtp);
        Assert.True(result.Success, result.Message);
        Assert.Equal([ConnectionTestStage.Token, ConnectionTestStage.Connect, ConnectionTestStage.Tls, ConnectionTestStage.Authenticate,
            ConnectionTestStage.Sender, ConnectionTestStage.Recipient, ConnectionTestStage.Data], result.StageDurations.Select(s => s.Stage));
    }

    [Fact]
    public async Task A_plain_text_server_never_receives_the_token()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 fixture");
            await c.ExpectAsync("EHLO");
            await c.SendAsync("250-fixture", "250 AUTH XOAUTH2");
            await c.ReadLineAsync();
        });
        var smtp = Smtp(server);
        smtp.Encryption = SmtpEncryption.None;
        var result = await Tester().TestAsync(smtp);
        Assert.Equal((ConnectionTestStage.Authenticate, "EncryptionRequired"), (result.Stage, result.ErrorId));
        Assert.DoesNotContain(server.Received, l => l.StartsWith("AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_errors_of_the_OAuth_layer_stop_before_connecting()
    {
        var error = new OAuthException("AADSTS700082", "The refresh token has expired due to inactivity.", "Reconnect the account: it was idle for more than 90 days.", "700082");
        var result = await Tester(new FailingTokenProvider(error)).TestAsync(Smtp("127.0.0.1", ScriptedServer.UnusedPort()));
        Assert.Equal((ConnectionTestStage.Token, "AADSTS700082"), (result.Stage, result.ErrorId));
        Assert.Equal("Reconnect the account: it was idle for more than 90 days.", result.Hint);
        Assert.Equal([ConnectionTestStage.Token], result.StageDurations.Select(s => s.Stage));
    }

    [Fact]
    public async Task A_token_provider_that_never_answers_times_out()
    {
        var result = await Tester(new FailingTokenProvider(null), timeout: 0.5).TestAsync(Smtp("127.0.0.1", 1));
        Assert.Equal((ConnectionTestStage.Token, "TokenTimeout"), (result.Stage, result.ErrorId));
    }

    [Fact]
    public async Task Password_servers_are_tested_up_to_TLS_and_say_that_sign_in_was_not_tested()
    {
        await using var server = new ScriptedServer(async c => { await c.SmtpStartTlsAsync(TestCertificates.Loopback); await c.ReadLineAsync(); });
        var tokens = new FixedTokenProvider("unused");
        var smtp = Smtp(server);
        smtp.Authentication = ServerAuthentication.Password;
        var result = await Tester(tokens).TestAsync(smtp);
        Assert.False(result.Success);
        Assert.Equal((ConnectionTestStage.Tls, "AuthenticationNotTested"), (result.Stage, result.ErrorId));
        Assert.Equal(0, tokens.Calls);
    }

    [Fact]
    public async Task Cancellation_is_not_reported_as_a_result()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Tester(timeout: 60).TestAsync(Smtp(server), null, cts.Token));
    }
}
