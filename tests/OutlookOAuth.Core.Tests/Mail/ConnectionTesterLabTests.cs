using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Test-OutlookConnection's core against the real Postfix and Dovecot of the lab.</summary>
[Collection(MailLabCollection.Name)]
public class ConnectionTesterLabTests(MailLabFixture lab)
{
    ConnectionTester Tester(IAccessTokenProvider tokens, string? recipient = null, CertificateTrust? trust = null) =>
        new(tokens, new ConnectionTestOptions { Trust = trust ?? lab.Trust, Timeout = TimeSpan.FromSeconds(10), Recipient = recipient });

    ConnectionTester Tester(string token) => Tester(new FixedTokenProvider(token));

    async Task<long> InboxCount(string user)
    {
        using var imap = await new MailClientConnector(new MailClientOptions { Trust = lab.Trust })
            .ConnectImapAsync(lab.ImapServer(user), new FixedTokenProvider(lab.Token(user, lab.ImapScope)), null, default);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        return imap.Inbox.Count;
    }

    [Fact]
    public async Task Outgoing_success_reaches_DATA_and_sends_nothing()
    {
        var user = MailLabFixture.NewUser("alice");
        var expires = DateTimeOffset.UtcNow.AddMinutes(42);
        var transcript = new TranscriptBuffer();
        var token = lab.Token(user, lab.SmtpScope);
        var result = await Tester(new FixedTokenProvider(token, expires)).TestAsync(lab.SmtpServer(user), transcript);

        Assert.True(result.Success, result.Message);
        Assert.Equal(ConnectionTestStage.Data, result.Stage);
        Assert.Null(result.ErrorId);
        Assert.Equal(expires, result.TokenExpiresOn);
        Assert.Equal(user, result.Sender);
        Assert.Equal(user, result.Recipient);
        Assert.NotNull(result.TlsProtocol);
        Assert.Equal([ConnectionTestStage.Token, ConnectionTestStage.Connect, ConnectionTestStage.Tls, ConnectionTestStage.Authenticate,
            ConnectionTestStage.Sender, ConnectionTestStage.Recipient, ConnectionTestStage.Data], result.StageDurations.Select(s => s.Stage));
        Assert.All(result.StageDurations, s => Assert.True(s.Duration > TimeSpan.Zero));
        Assert.True(result.Duration >= result.StageDurations.Aggregate(TimeSpan.Zero, (a, s) => a + s.Duration));

        var text = transcript.ToString();
        Assert.Contains("S: 354", text);
        Assert.Contains("S: 235", text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001")), text);
        // The probe was to the user's own mailbox: nothing arrived.
        await Task.Delay(300);
        Assert.Equal(0, await InboxCount(user));
    }

    [Fact]
    public async Task Outgoing_probe_uses_the_first_full_address_of_the_FROM_filter_and_the_given_recipient()
    {
        var user = MailLabFixture.NewUser("alice");
        var server = lab.SmtpServer(user);
        server.FromFilter = $"example.com, {user}";
        var result = await Tester(new FixedTokenProvider(lab.Token(user, lab.SmtpScope)), recipient: "someone@elsewhere.invalid").TestAsync(server);
        Assert.True(result.Success, result.Message);
        Assert.Equal(user, result.Sender);
        Assert.Equal("someone@elsewhere.invalid", result.Recipient);
    }

    [Fact]
    public async Task Incoming_success_selects_INBOX()
    {
        var user = MailLabFixture.NewUser("alice");
        var result = await Tester(lab.Token(user, lab.ImapScope)).TestAsync(lab.ImapServer(user));
        Assert.True(result.Success, result.Message);
        Assert.Equal(ConnectionTestStage.Select, result.Stage);
        Assert.Equal(0, result.MessageCount);
        Assert.Equal([ConnectionTestStage.Token, ConnectionTestStage.Connect, ConnectionTestStage.Tls, ConnectionTestStage.Authenticate, ConnectionTestStage.Select],
            result.StageDurations.Select(s => s.Stage));
    }

    public static TheoryData<string> BadTokens => new() { "wrong signature", "expired", "other user", "no outlook scope", "wrong issuer" };

    string BadToken(string kind, string user, string scope) => kind switch
    {
        "wrong signature" => lab.Issuer.Mint(user, [scope], signWith: lab.ForeignKey),
        "expired" => lab.Issuer.Mint(user, [scope], TimeSpan.FromMinutes(-10)),
        "other user" => lab.Issuer.Mint(MailLabFixture.NewUser("bob"), [scope]),
        "no outlook scope" => lab.Issuer.Mint(user, ["User.Read"]),
        "wrong issuer" => lab.Issuer.Mint(user, [scope], editPayload: p => p["iss"] = "https://evil.invalid/"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Outgoing_refused_tokens_fail_at_Authenticate_with_the_reply_and_a_hint(string kind)
    {
        var user = MailLabFixture.NewUser("alice");
        var result = await Tester(BadToken(kind, user, lab.SmtpScope)).TestAsync(lab.SmtpServer(user));
        Assert.False(result.Success);
        Assert.Equal(ConnectionTestStage.Authenticate, result.Stage);
        Assert.Equal(535, result.ReplyCode);
        Assert.Equal("5.7.8", result.EnhancedCode);
        Assert.Equal("SmtpAuthenticationFailed", result.ErrorId);
        Assert.Contains("authentication failed", result.ServerText);
        Assert.Contains("error challenge", result.ServerText);
        Assert.Contains("Connect-OutlookAccount", result.Hint);
        Assert.Null(result.Sender); // MAIL FROM was never tried: the AUTH reply is checked, unlike Odoo
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Incoming_refused_tokens_fail_at_Authenticate(string kind)
    {
        var user = MailLabFixture.NewUser("alice");
        var result = await Tester(BadToken(kind, user, lab.ImapScope)).TestAsync(lab.ImapServer(user));
        Assert.False(result.Success);
        Assert.Equal(ConnectionTestStage.Authenticate, result.Stage);
        Assert.Equal("ImapAuthenticationFailed", result.ErrorId);
        Assert.Equal("AUTHENTICATIONFAILED", result.EnhancedCode);
        Assert.StartsWith("NO [AUTHENTICATIONFAILED]", result.ServerText);
        Assert.Null(result.MessageCount);
    }

    [Fact]
    public async Task A_token_with_the_other_protocols_scope_is_refused_by_each_server()
    {
        var user = MailLabFixture.NewUser("alice");
        var smtp = await Tester(lab.Token(user, lab.ImapScope)).TestAsync(lab.SmtpServer(user));
        var imap = await Tester(lab.Token(user, lab.SmtpScope)).TestAsync(lab.ImapServer(user));
        Assert.Equal(("SmtpAuthenticationFailed", ConnectionTestStage.Authenticate), (smtp.ErrorId, smtp.Stage));
        Assert.Equal(("ImapAuthenticationFailed", ConnectionTestStage.Authenticate), (imap.ErrorId, imap.Stage));
    }

    [Fact]
    public async Task A_sender_the_mailbox_does_not_own_is_SendAsDenied()
    {
        var user = MailLabFixture.NewUser("alice");
        var other = MailLabFixture.NewUser("boss");
        var server = lab.SmtpServer(user);
        server.FromFilter = other;
        var result = await Tester(lab.Token(user, lab.SmtpScope)).TestAsync(server);
        Assert.False(result.Success);
        // Postfix evaluates sender restrictions at RCPT TO (smtpd_delay_reject); Microsoft 365 answers at MAIL FROM.
        Assert.Equal(ConnectionTestStage.Recipient, result.Stage);
        Assert.Equal(553, result.ReplyCode);
        Assert.Equal("5.7.1", result.EnhancedCode);
        Assert.Equal("SendAsDenied", result.ErrorId);
        Assert.Contains($"-FromFilter '{user}'", result.Hint);
        Assert.Equal(other, result.Sender);
    }

    [Fact]
    public async Task Certificates_of_the_lab_CA_are_refused_without_that_CA_in_the_trust()
    {
        var user = MailLabFixture.NewUser("alice");
        var systemOnly = new CertificateTrust();
        var smtp = await Tester(new FixedTokenProvider(lab.Token(user, lab.SmtpScope)), trust: systemOnly).TestAsync(lab.SmtpServer(user));
        var imap = await Tester(new FixedTokenProvider(lab.Token(user, lab.ImapScope)), trust: systemOnly).TestAsync(lab.ImapServer(user));
        foreach (var r in new[] { smtp, imap })
        {
            Assert.Equal(ConnectionTestStage.Tls, r.Stage);
            Assert.Equal("CertificateNotTrusted", r.ErrorId);
            Assert.Contains("OUTLOOKOAUTH_CA_FILE", r.Hint);
        }
    }

    [Fact]
    public async Task The_CA_file_variable_is_honoured()
    {
        // What an admin's lab does: OUTLOOKOAUTH_CA_FILE names the CA; no trust is passed explicitly.
        var user = MailLabFixture.NewUser("alice");
        var before = Environment.GetEnvironmentVariable(CertificateTrust.CaFileVariable);
        // Under tests/run-tests.sh lab.env already set it; otherwise set it for the duration of this test only.
        if (before != lab.CaFile) Environment.SetEnvironmentVariable(CertificateTrust.CaFileVariable, lab.CaFile);
        try
        {
            var tester = new ConnectionTester(new FixedTokenProvider(lab.Token(user, lab.ImapScope)));
            var result = await tester.TestAsync(lab.ImapServer(user));
            Assert.True(result.Success, result.Message);
        }
        finally { if (before != lab.CaFile) Environment.SetEnvironmentVariable(CertificateTrust.CaFileVariable, before); }
    }
}
