using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>The hint table: each Microsoft 365 failure of the issue maps to a stable id and an actionable hint.</summary>
public class ConnectionHintsTests
{
    static readonly OutgoingMailServer Smtp = new() { Name = "sales", Username = "sales@contoso.com", HostName = "smtp.office365.com", Port = 587, FromFilter = "sales@contoso.com" };
    static readonly IncomingMailServer Imap = new() { Name = "inbox", Username = "inbox@contoso.com", HostName = "outlook.office365.com", Port = 993 };

    static (string Id, string Hint) Smtp535(string enhanced, string text, bool appOnly = false) =>
        ConnectionHints.Describe(new ConnectionFailureContext(Smtp, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, 535, enhanced, text, appOnly));

    [Fact]
    public void Smtp_auth_disabled_for_the_tenant_gives_both_exact_commands()
    {
        var (id, hint) = Smtp535("5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.");
        Assert.Equal("SmtpAuthDisabledForTenant", id);
        Assert.Contains("Set-TransportConfig -SmtpClientAuthenticationDisabled $false", hint);
        Assert.Contains("Set-CASMailbox -Identity 'sales@contoso.com' -SmtpClientAuthenticationDisabled $false", hint);
    }

    [Fact]
    public void Smtp_auth_blocked_by_security_defaults()
    {
        var (id, hint) = Smtp535("5.7.139", "Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.");
        Assert.Equal("SmtpAuthBlockedBySecurityDefaults", id);
        Assert.Contains("security defaults", hint);
        Assert.Contains("Set-CASMailbox -Identity 'sales@contoso.com' -SmtpClientAuthenticationDisabled $false", hint);
    }

    [Fact]
    public void Smtp_auth_disabled_for_the_mailbox_or_by_policy()
    {
        var (id, hint) = Smtp535("5.7.139", "Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully.");
        Assert.Equal("SmtpAuthDisabled", id);
        Assert.Contains("Set-CASMailbox -Identity 'sales@contoso.com' -SmtpClientAuthenticationDisabled $false", hint);
    }

    [Fact]
    public void Generic_535_5_7_3_names_account_audience_license_for_delegated_tokens()
    {
        var (id, hint) = Smtp535("5.7.3", "Authentication unsuccessful [SN4PR0401CA0001.namprd04.prod.outlook.com]");
        Assert.Equal("SmtpAuthenticationUnsuccessful", id);
        Assert.Contains("another account", hint);
        Assert.Contains("https://outlook.office.com/SMTP.Send", hint);
        Assert.Contains("license", hint);
        Assert.Contains("Connect-OutlookAccount", hint);
    }

    [Fact]
    public void Generic_535_5_7_3_with_an_app_only_token_names_the_service_principal()
    {
        var (id, hint) = Smtp535("5.7.3", "Authentication unsuccessful", appOnly: true);
        Assert.Equal("SmtpAuthenticationUnsuccessful", id);
        Assert.Contains("New-ServicePrincipal", hint);
        Assert.Contains("Add-MailboxPermission -Identity 'sales@contoso.com'", hint);
    }

    [Fact]
    public void Client_not_authenticated_530_5_7_57()
    {
        var (id, hint) = ConnectionHints.Describe(new(Smtp, ConnectionTestStage.Sender, MailFailure.Rejected, true, 530, "5.7.57", "Client not authenticated to send mail.", Sender: "sales@contoso.com"));
        Assert.Equal("ClientNotAuthenticated", id);
        Assert.Contains("sales@contoso.com", hint);
    }

    [Theory]
    [InlineData(550, "5.7.60", "SMTP; Client does not have permissions to send as this sender")]
    [InlineData(554, "5.2.0", "STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message")]
    [InlineData(553, "5.7.1", "<bob@contoso.com>: Sender address rejected: not owned by user sales@contoso.com")]
    public void Send_as_denied_tells_to_use_the_username_as_filter(int code, string enhanced, string text)
    {
        var (id, hint) = ConnectionHints.Describe(new(Smtp, ConnectionTestStage.Sender, MailFailure.Rejected, true, code, enhanced, text, Sender: "bob@contoso.com"));
        Assert.Equal("SendAsDenied", id);
        Assert.Contains("Set-OutlookMailServer -Name 'sales' -FromFilter 'sales@contoso.com'", hint);
        Assert.Contains("Add-RecipientPermission -Identity 'bob@contoso.com' -Trustee 'sales@contoso.com' -AccessRights SendAs", hint);
    }

    [Fact]
    public void The_lab_535_5_7_8_is_a_refused_token()
    {
        var (id, hint) = Smtp535("5.7.8", "Error: authentication failed: (reason unavailable)");
        Assert.Equal("SmtpAuthenticationFailed", id);
        Assert.Contains("Connect-OutlookAccount", hint);
    }

    [Fact]
    public void Recipient_rejection_suggests_the_Recipient_parameter()
    {
        var (id, hint) = ConnectionHints.Describe(new(Smtp, ConnectionTestStage.Recipient, MailFailure.Rejected, true, 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound", Recipient: "x@contoso.com"));
        Assert.Equal("RecipientRejected", id);
        Assert.Contains("-Recipient", hint);
    }

    [Fact]
    public void Temporary_failures_say_so()
    {
        var (_, hint) = ConnectionHints.Describe(new(Smtp, ConnectionTestStage.Sender, MailFailure.Rejected, true, 451, "4.3.0", "try later", Sender: "sales@contoso.com"));
        Assert.Contains("temporary", hint);
    }

    [Fact]
    public void Imap_authenticate_failed_names_scope_imap_enablement_and_user()
    {
        var (id, hint) = ConnectionHints.Describe(new(Imap, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, null, null, "NO AUTHENTICATE failed."));
        Assert.Equal("ImapAuthenticationFailed", id);
        Assert.Contains("IMAP.AccessAsUser.All", hint);
        Assert.Contains("Set-CASMailbox -Identity 'inbox@contoso.com' -ImapEnabled $true", hint);
        Assert.Contains("username", hint);
    }

    [Fact]
    public void Imap_app_only_failure_names_the_service_principal()
    {
        var (_, hint) = ConnectionHints.Describe(new(Imap, ConnectionTestStage.Authenticate, MailFailure.Rejected, true, AppOnly: true));
        Assert.Contains("New-ServicePrincipal", hint);
        Assert.Contains("IMAP.AccessAsApp", hint);
    }

    [Theory]
    [InlineData(MailFailure.HostNotFound, ConnectionTestStage.Connect, false, "HostNotFound", "smtp.office365.com")]
    [InlineData(MailFailure.ConnectionRefused, ConnectionTestStage.Connect, false, "ConnectionRefused", "587")]
    [InlineData(MailFailure.NetworkUnreachable, ConnectionTestStage.Connect, false, "NetworkUnreachable", "firewall")]
    [InlineData(MailFailure.Timeout, ConnectionTestStage.Connect, false, "ConnectTimeout", "firewall")]
    [InlineData(MailFailure.Timeout, ConnectionTestStage.Connect, true, "ServerNotResponding", "implicit TLS")]
    [InlineData(MailFailure.Timeout, ConnectionTestStage.Tls, true, "TlsTimeout", "connection security")]
    [InlineData(MailFailure.Timeout, ConnectionTestStage.Recipient, true, "Timeout", "Recipient")]
    [InlineData(MailFailure.CertificateNotTrusted, ConnectionTestStage.Tls, true, "CertificateNotTrusted", "OUTLOOKOAUTH_CA_FILE")]
    [InlineData(MailFailure.CertificateNameMismatch, ConnectionTestStage.Tls, true, "CertificateNameMismatch", "host name")]
    [InlineData(MailFailure.TlsHandshakeFailed, ConnectionTestStage.Tls, true, "TlsHandshakeFailed", "starttls")]
    [InlineData(MailFailure.NotSupported, ConnectionTestStage.Tls, true, "StartTlsNotOffered", "STARTTLS")]
    [InlineData(MailFailure.NotSupported, ConnectionTestStage.Authenticate, true, "XOAuth2NotOffered", "XOAUTH2")]
    [InlineData(MailFailure.ConnectionClosed, ConnectionTestStage.Authenticate, true, "ConnectionClosedDuringAuthentication", "size limit")]
    [InlineData(MailFailure.ConnectionClosed, ConnectionTestStage.Tls, true, "ConnectionClosed", "Tls")]
    [InlineData(MailFailure.ProtocolViolation, ConnectionTestStage.Connect, true, "ProtocolError", "SMTP")]
    public void Network_and_TLS_failures(MailFailure failure, ConnectionTestStage stage, bool connected, string expectedId, string hintPart)
    {
        var (id, hint) = ConnectionHints.Describe(new(Smtp, stage, failure, connected, Timeout: TimeSpan.FromSeconds(5)));
        Assert.Equal(expectedId, id);
        Assert.Contains(hintPart, hint);
    }

    [Fact]
    public void Certificate_hint_never_suggests_turning_validation_off()
    {
        var (_, hint) = ConnectionHints.Describe(new(Imap, ConnectionTestStage.Tls, MailFailure.CertificateNotTrusted, true));
        Assert.Contains("cannot be turned off", hint);
        Assert.DoesNotContain("SkipCertificateCheck", hint);
    }

    [Fact]
    public void Token_hint_prefers_the_OAuth_layers_own_hint()
    {
        Assert.Equal("Reconnect: AADSTS700082", ConnectionHints.TokenHint(Smtp, "Reconnect: AADSTS700082"));
        Assert.Contains("Connect-OutlookAccount", ConnectionHints.TokenHint(Smtp, null));
    }

    [Fact]
    public void Every_hint_is_distinct_per_id()
    {
        // Two different failures must not share an id with different meanings: spot-check that ids are specific.
        var ids = new[]
        {
            Smtp535("5.7.139", "SmtpClientAuthentication is disabled for the Tenant").Id,
            Smtp535("5.7.139", "security defaults").Id,
            Smtp535("5.7.139", "other").Id,
            Smtp535("5.7.3", "x").Id,
            Smtp535("5.7.8", "x").Id,
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }
}
