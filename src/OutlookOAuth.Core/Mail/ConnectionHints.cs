using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>The hint table: maps a failure (reply code, enhanced code, server text, failure kind, stage) to a stable
/// error id and what the admin should do. Microsoft 365 wording first (535 5.7.139, 535 5.7.3, 530 5.7.57,
/// 550 5.7.60, 554 5.2.0 SendAsDenied, IMAP "AUTHENTICATE failed"), then generic network and TLS failures.</summary>
public static class ConnectionHints
{

    public static (string ErrorId, string Hint) Describe(ConnectionFailureContext c)
    {
        var user = c.Server.Username.Length > 0 ? c.Server.Username : "<mailbox>";
        var name = c.Server.Name;
        var reconnect = $"Get-OutlookMailServer -Name '{name}' -Direction {c.Server.Direction} | Connect-OutlookAccount";
        var text = c.ServerText ?? "";
        var smtp = c.Server.Direction == MailServerDirection.Outgoing;

        if (c.Failure == MailFailure.Rejected && smtp)
        {
            var code = c.ReplyCode ?? 0;
            var enhanced = c.EnhancedCode ?? "";
            if (enhanced == "5.7.139" || (code == 535 && Has(text, "SmtpClientAuthentication is disabled")))
            {
                if (Has(text, "disabled for the Tenant"))
                    return ("SmtpAuthDisabledForTenant",
                        "SMTP AUTH (client submission) is disabled for the whole tenant. In Exchange Online PowerShell run " +
                        "'Set-TransportConfig -SmtpClientAuthenticationDisabled $false', or enable it for this mailbox only: " +
                        $"'Set-CASMailbox -Identity '{user}' -SmtpClientAuthenticationDisabled $false'. Changes can take up to an hour.");
                if (Has(text, "security defaults"))
                    return ("SmtpAuthBlockedBySecurityDefaults",
                        "Entra security defaults block SMTP AUTH for this account. Turn security defaults off (Entra admin center > Identity > " +
                        "Overview > Properties > Manage security defaults) and protect sign-ins with Conditional Access instead, then enable SMTP AUTH for the mailbox: " +
                        $"'Set-CASMailbox -Identity '{user}' -SmtpClientAuthenticationDisabled $false'.");
                return ("SmtpAuthDisabled",
                    $"SMTP AUTH is disabled for the mailbox '{user}' or blocked by an authentication or Conditional Access policy. In Exchange Online PowerShell run " +
                    $"'Set-CASMailbox -Identity '{user}' -SmtpClientAuthenticationDisabled $false' (and 'Set-TransportConfig -SmtpClientAuthenticationDisabled $false' " +
                    "if the tenant disables it); check that security defaults and Conditional Access allow SMTP AUTH.");
            }
            // App-only: Exchange Online says 535 5.7.3; a server that checks app-only tokens the same way (the lab's
            // Postfix + Dovecot) says its own 535 5.7.8. Both mean the Exchange-side setup is missing.
            if (c.Stage == ConnectionTestStage.Authenticate && c.AppOnly && code is 535 or 534 or 538)
                return ("SmtpAuthenticationUnsuccessful", AppOnlyFix(user, "SMTP.SendAsApp", smtp: true));
            if (c.Stage == ConnectionTestStage.Authenticate && code == 535 && enhanced == "5.7.3")
                return ("SmtpAuthenticationUnsuccessful", $"Microsoft 365 refused the token for '{user}'. Usual causes: the token was issued to another account (sign in as '{user}' with " +
                    $"'{reconnect}'), or for another audience (the scope must be https://outlook.office.com/SMTP.Send), " +
                    $"the mailbox has no Exchange Online license, or SMTP AUTH is disabled for it ('Set-CASMailbox -Identity '{user}' -SmtpClientAuthenticationDisabled $false').");
            if (code == 530 || enhanced == "5.7.57")
                return ("ClientNotAuthenticated",
                    $"The server does not consider the session authenticated (530 5.7.57). Check that the server has a username ('{user}') and a connected account " +
                    $"('{reconnect}'), and that SMTP AUTH is enabled for the mailbox ('Set-CASMailbox -Identity '{user}' -SmtpClientAuthenticationDisabled $false').");
            if (code == 550 && enhanced == "5.7.30")
                return ("BasicAuthenticationNotSupported",
                    "Microsoft 365 no longer accepts basic (password) authentication for SMTP submission: set the server's Authentication to outlook and connect the account.");
            if (c.Stage == ConnectionTestStage.Authenticate && code is 535 or 534 or 538)
                return ("SmtpAuthenticationFailed",
                    $"The server refused the XOAUTH2 token for '{user}': it may have expired or been revoked, belong to another account, lack the SMTP.Send scope, " +
                    $"or come from an authority the server does not trust. Reconnect the account ('{reconnect}').");
            if (c.Stage == ConnectionTestStage.Authenticate && code == 454)
                return ("SmtpAuthenticationTemporaryFailure", "The server could not check the token right now (454, temporary failure): retry later; if it persists, check the server's authentication back end.");
            if (Has(text, "STOREDRV") && (Has(text, "logon failure") || code == 430))
                return ("MailboxLogonFailure",
                    $"The token was accepted but the mailbox '{user}' could not be opened: with an app-only token give the service principal FullAccess " +
                    $"('Add-MailboxPermission -Identity '{user}' -User <service principal id> -AccessRights FullAccess').");
            if ((code == 550 && enhanced == "5.7.60") || (code == 554 && enhanced == "5.2.0") || Has(text, "SendAsDenied") || Has(text, "not owned by user") ||
                (c.Stage == ConnectionTestStage.Sender && enhanced == "5.7.1"))
                return ("SendAsDenied",
                    $"The mailbox '{user}' may not send as '{c.Sender}'. Use the username as the FROM filter " +
                    $"('Set-OutlookMailServer -Name '{name}' -FromFilter '{user}''), or grant Send As in Exchange Online " +
                    $"('Add-RecipientPermission -Identity '{c.Sender}' -Trustee '{user}' -AccessRights SendAs').");
            var transient = code is >= 400 and < 500 ? " The failure is temporary (4xx): try again later." : "";
            return c.Stage switch
            {
                ConnectionTestStage.Connect or ConnectionTestStage.Tls => ("ConnectionRejected",
                    $"The server refused the session ({code}).{transient} Check that {c.Server.Endpoint} is the submission server (Microsoft 365: smtp.office365.com:587 with STARTTLS) and that this client's address is allowed."),
                ConnectionTestStage.Sender => ("SenderRejected",
                    $"The server refused the sender '{c.Sender}' ({code}).{transient} Use an address the mailbox may send as: the username, via 'Set-OutlookMailServer -Name '{name}' -FromFilter '{user}''."),
                ConnectionTestStage.Recipient => ("RecipientRejected",
                    $"The server refused the test recipient '{c.Recipient}' ({code}).{transient} Authentication and the sender were accepted; run the test with -Recipient and an address the server accepts."),
                ConnectionTestStage.Data => ("DataRejected",
                    $"The server refused DATA ({code}) after accepting the sender and the recipient.{transient} Check the mailbox's sending limits and the server's message policies."),
                _ => ("SmtpCommandRejected", $"The server refused the {c.Stage} step ({code}).{transient}"),
            };
        }

        // Exchange Online accepts an app-only AUTHENTICATE whose service principal has no access to the mailbox, then
        // answers the next command "BAD User is authenticated but not connected." (also: wrong object id, IMAP off).
        if (c.Failure == MailFailure.Rejected && Has(text, "authenticated but not connected"))
            return ("ImapMailboxNotConnected", c.AppOnly
                ? $"Exchange Online accepted the app-only token but does not connect it to '{user}'. " + AppOnlyFix(user, "IMAP.AccessAsApp", smtp: false)
                : $"Exchange Online accepted the token but does not connect it to '{user}': IMAP may be off for the mailbox ('Set-CASMailbox -Identity '{user}' -ImapEnabled $true'), " +
                  $"or the signed-in account has no access to it (reconnect as '{user}': '{reconnect}').");
        if (c.Failure == MailFailure.Rejected)
            return c.Stage switch
            {
                ConnectionTestStage.Authenticate => ("ImapAuthenticationFailed", c.AppOnly
                    ? "The IMAP server refused the app-only token. " + AppOnlyFix(user, "IMAP.AccessAsApp", smtp: false)
                    : $"The IMAP server refused the token for '{user}' (AUTHENTICATE failed). Usual causes: the token lacks the IMAP.AccessAsUser.All scope or is " +
                      $"for another account (reconnect as '{user}': '{reconnect}'), IMAP is disabled for the mailbox " +
                      $"('Set-CASMailbox -Identity '{user}' -ImapEnabled $true'), or the username is not the mailbox of the connected account."),
                ConnectionTestStage.Select => ("SelectFailed",
                    $"Signed in, but INBOX of '{user}' could not be opened. For an app-only token or a shared mailbox give the account FullAccess " +
                    $"('Add-MailboxPermission -Identity '{user}' -User <account or service principal> -AccessRights FullAccess')."),
                _ => ("ConnectionRejected",
                    $"The IMAP server refused the session. Check that {c.Server.Endpoint} is the IMAP server (Microsoft 365: outlook.office365.com:993 with SSL)."),
            };

        var defaultEndpoint = smtp ? "smtp.office365.com:587 with STARTTLS" : "outlook.office365.com:993 with SSL";
        var seconds = c.Timeout is { } t ? $" within {MailClientConnector.Seconds(t)}" : "";
        return c.Failure switch
        {
            MailFailure.HostNotFound => ("HostNotFound",
                $"'{c.Server.HostName}' does not resolve. Check the host name (Microsoft 365: {(smtp ? "smtp.office365.com" : "outlook.office365.com")}) and this machine's DNS settings."),
            MailFailure.ConnectionRefused => ("ConnectionRefused",
                $"Nothing accepts connections on {c.Server.Endpoint}. Check the port (Microsoft 365: {defaultEndpoint}) and that the server is running."),
            MailFailure.NetworkUnreachable => ("NetworkUnreachable",
                $"{c.Server.Endpoint} cannot be reached from this machine. Check the network, routes and firewalls."),
            MailFailure.Timeout when c.Stage == ConnectionTestStage.Connect && !c.Connected => ("ConnectTimeout",
                $"No TCP connection to {c.Server.Endpoint}{seconds}. A firewall or proxy probably drops outgoing traffic to port {c.Server.Port}: allow it, or check the host name."),
            MailFailure.Timeout when c.Stage == ConnectionTestStage.Connect => ("ServerNotResponding",
                $"Connected, but {c.Server.Endpoint} did not answer{seconds}. If the port expects implicit TLS (993, 465) the connection security is wrong " +
                $"({(smtp ? "set -Encryption ssl, or use port 587 with starttls" : "set -Ssl")}); otherwise the server is overloaded or a middlebox holds the connection."),
            MailFailure.Timeout when c.Stage == ConnectionTestStage.Tls => ("TlsTimeout",
                $"The TLS handshake or the first answer after it did not arrive{seconds}. Check that the connection security matches the port (Microsoft 365: {defaultEndpoint})."),
            MailFailure.Timeout => ("Timeout",
                $"The server stopped answering at the {c.Stage} stage{seconds}. Retry; if it persists check the server's health, or raise -TimeoutSeconds."),
            MailFailure.CertificateNotTrusted => ("CertificateNotTrusted",
                $"The TLS certificate of {c.Server.Endpoint} is not issued by a trusted authority. For a private or lab CA set $env:OUTLOOKOAUTH_CA_FILE to a PEM bundle of the issuing CA; " +
                "if a TLS-inspecting proxy sits in between, trust its CA the same way. Certificate validation cannot be turned off."),
            MailFailure.CertificateNameMismatch => ("CertificateNameMismatch",
                $"The TLS certificate of {c.Server.Endpoint} does not name '{c.Server.HostName}'. Use the host name the certificate is issued for " +
                $"(Microsoft 365: {(smtp ? "smtp.office365.com" : "outlook.office365.com")}), not an IP address or an alias."),
            MailFailure.TlsHandshakeFailed => ("TlsHandshakeFailed",
                $"The TLS handshake with {c.Server.Endpoint} failed. Check the connection security ({(smtp ? "ssl for implicit TLS on 465, starttls on 587" : "SSL on 993")}); a proxy may interfere."),
            MailFailure.NotSupported when c.Stage == ConnectionTestStage.Tls => ("StartTlsNotOffered",
                $"{c.Server.Endpoint} does not offer STARTTLS, so the token cannot be sent safely. Check the port and connection security (Microsoft 365: {defaultEndpoint})."),
            MailFailure.NotSupported when c.Stage == ConnectionTestStage.Authenticate && !(c.Server.Direction == MailServerDirection.Outgoing && ((OutgoingMailServer)c.Server).Encryption == SmtpEncryption.None) => ("XOAuth2NotOffered",
                $"{c.Server.Endpoint} does not offer XOAUTH2 authentication. Microsoft 365 offers it on {defaultEndpoint}; for another server enable OAuth2 (XOAUTH2) there."),
            MailFailure.NotSupported => ("EncryptionRequired",
                $"The bearer token is never sent over an unencrypted connection. Set the connection security of '{name}' to starttls (port 587)."),
            MailFailure.ConnectionClosed when c.Stage == ConnectionTestStage.Authenticate => ("ConnectionClosedDuringAuthentication",
                $"{c.Server.Endpoint} closed the connection during authentication. The token may exceed the server's line or SASL size limit, or its authentication back end failed; check the server's log."),
            MailFailure.ConnectionClosed => ("ConnectionClosed",
                $"{c.Server.Endpoint} closed the connection at the {c.Stage} stage. Check the port and connection security (Microsoft 365: {defaultEndpoint}) and the server's log."),
            MailFailure.ProtocolViolation => ("ProtocolError",
                $"{c.Server.Endpoint} does not answer like {(smtp ? "an SMTP" : "an IMAP")} server. Check the port and connection security (Microsoft 365: {defaultEndpoint})."),
            _ => ("ConnectionFailed", $"The {c.Stage} stage failed."),
        };
    }

    /// <summary>The hint for a token failure of the OAuth layer (its own hint when it has one).</summary>
    public static string TokenHint(MailServer server, string? oauthHint) =>
        oauthHint ?? $"Connect the account of '{server.Name}' again: 'Get-OutlookMailServer -Name '{server.Name}' -Direction {server.Direction} | Connect-OutlookAccount'.";

    /// <summary>What an Exchange Online admin runs once so that an app (or managed identity) may use a mailbox without a user.</summary>
    static string AppOnlyFix(string user, string role, bool smtp) =>
        "In Exchange Online PowerShell register the app's service principal with the object id of the ENTERPRISE APPLICATION " +
        "(Entra > Enterprise applications > the app > Object ID; for a managed identity its Object (principal) ID), not the app registration's: " +
        "'New-ServicePrincipal -AppId <application (client) id> -ObjectId <enterprise application object id>'; then give it the mailbox: " +
        $"'Add-MailboxPermission -Identity '{user}' -User <application (client) id> -AccessRights FullAccess'" +
        (smtp ? $" (or, for sending only, 'New-ManagementScope -Name <scope> -RecipientRestrictionFilter \"PrimarySmtpAddress -eq '{user}'\"' and " +
                "'New-ManagementRoleAssignment -App <application (client) id> -Role 'Application SMTP.SendAsApp' -CustomResourceScope <scope>')" : "") +
        $". The token must carry the {role} role: Entra > App registrations > API permissions > Office 365 Exchange Online > Application permissions > {role}, " +
        "with admin consent (a managed identity gets it by an app role assignment). Check with 'Test-ServicePrincipalAuthorization -Identity <application (client) id> -Resource " +
        $"'{user}''. Then run the job again (get a fresh token: Connect-OutlookAccount -AppOnly).";

    static bool Has(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
}
