using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Exchange Online's refusals of an app-only token, as it words them (scripted, since only Exchange says them),
/// and the lab's own wording of the same refusal (Postfix 535 5.7.8, Dovecot NO [AUTHENTICATIONFAILED]): both get the
/// hint that names the Exchange-side fix. The lab's real servers are exercised by tests/Runbook.Tests.ps1.</summary>
public class AppOnlyRefusalTests
{
    const string User = "reports@contoso.com";
    const string Token = "eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6W119.c2ln";
    static readonly OutgoingMailServer Smtp = new() { Name = "reports", Username = User, FromFilter = User, HostName = "smtp.office365.com", Port = 587 };
    static readonly IncomingMailServer Imap = new() { Name = "inbox", Username = User, HostName = "outlook.office365.com", Port = 993 };

    static ConnectionTester Tester() =>
        new(new FixedTokenProvider(Token, appOnly: true), new ConnectionTestOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(5) });

    static void AssertNamesTheExchangeFix(string hint, string role)
    {
        Assert.Contains("New-ServicePrincipal -AppId", hint);
        Assert.Contains("ENTERPRISE APPLICATION", hint);
        Assert.Contains("not the app registration's", hint);
        Assert.Contains($"Add-MailboxPermission -Identity '{User}'", hint);
        Assert.Contains(role, hint);
    }

    [Theory]
    [InlineData("5.7.3", "Authentication unsuccessful [SN4PR0401CA0001.namprd04.prod.outlook.com]")] // Exchange Online
    [InlineData("5.7.8", "Error: authentication failed: (reason unavailable)")]                       // the lab's Postfix
    public void Smtp_535_with_an_app_only_token_names_the_service_principal_the_mailbox_and_the_role(string enhanced, string text)
    {
        var (id, hint) = ConnectionHints.Describe(new ConnectionFailureContext(Smtp, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, 535, enhanced, text, AppOnly: true));
        Assert.Equal("SmtpAuthenticationUnsuccessful", id);
        AssertNamesTheExchangeFix(hint, "SMTP.SendAsApp");
        Assert.Contains("New-ManagementRoleAssignment -App", hint);
        Assert.Contains("'Application SMTP.SendAsApp'", hint);
    }

    [Fact]
    public void Smtp_535_5_7_8_with_a_delegated_token_keeps_its_own_hint()
    {
        var (id, _) = ConnectionHints.Describe(new ConnectionFailureContext(Smtp, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, 535, "5.7.8", "Error: authentication failed"));
        Assert.Equal("SmtpAuthenticationFailed", id);
    }

    [Theory]
    [InlineData("NO AUTHENTICATE failed.")]                          // Exchange Online
    [InlineData("NO [AUTHENTICATIONFAILED] Authentication failed.")] // the lab's Dovecot
    public void Imap_refusal_with_an_app_only_token_names_the_fix(string text)
    {
        var (id, hint) = ConnectionHints.Describe(new ConnectionFailureContext(Imap, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, null, null, text, AppOnly: true));
        Assert.Equal("ImapAuthenticationFailed", id);
        AssertNamesTheExchangeFix(hint, "IMAP.AccessAsApp");
        Assert.DoesNotContain("SMTP.SendAsApp", hint);
    }

    /// <summary>Exchange accepts AUTHENTICATE from a service principal with no FullAccess, then refuses the next command.</summary>
    [Fact]
    public async Task Imap_BAD_User_is_authenticated_but_not_connected_after_an_accepted_token()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.ImapTlsGreetingAsync(TestCertificates.Loopback, "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS");
            var auth = await c.ExpectCommandAsync("AUTHENTICATE XOAUTH2");
            await c.SendAsync($"{auth} OK AUTHENTICATE completed.");
            var next = await c.ExpectCommandAsync("SELECT INBOX", "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS");
            await c.SendAsync($"{next} BAD User is authenticated but not connected.");
            await c.ReadLineAsync();
        });
        var result = await Tester().TestAsync(new IncomingMailServer { Name = "inbox", Username = User, HostName = server.Host, Port = server.Port });
        Assert.False(result.Success);
        Assert.Equal("ImapMailboxNotConnected", result.ErrorId);
        Assert.Contains("authenticated but not connected", result.ServerText);
        AssertNamesTheExchangeFix(result.Hint!, "IMAP.AccessAsApp");
    }
}
