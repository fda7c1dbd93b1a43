using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>The scopes a server's token is requested for. Outgoing servers: SMTP.Send; incoming:
/// IMAP.AccessAsUser.All; both with offline_access (a refresh token). App-only tokens use the Exchange
/// Online <c>.default</c> scope (SMTP.SendAsApp / IMAP.AccessAsApp granted to the app).</summary>
public static class OutlookScopes
{
    public const string OfflineAccess = "offline_access";
    public const string SmtpSend = "https://outlook.office.com/SMTP.Send";
    public const string ImapAccessAsUser = "https://outlook.office.com/IMAP.AccessAsUser.All";
    public const string AppOnly = "https://outlook.office365.com/.default";

    /// <summary>The resource scope of a direction (what MSAL is asked for; MSAL adds offline_access,
    /// openid and profile itself).</summary>
    public static string Resource(MailServerDirection direction) =>
        direction == MailServerDirection.Outgoing ? SmtpSend : ImapAccessAsUser;

    /// <summary>The delegated scopes as the issue and Odoo state them: "offline_access &lt;resource&gt;".</summary>
    public static IReadOnlyList<string> Delegated(MailServerDirection direction) => new[] { OfflineAccess, Resource(direction) };

    /// <summary>What is passed to MSAL for a user token: the resource scope only (MSAL refuses
    /// none of its reserved scopes here but adds them itself anyway).</summary>
    internal static string[] ForMsal(MailServerDirection direction) => new[] { Resource(direction) };

    internal static string[] ForApp() => new[] { AppOnly };
}
