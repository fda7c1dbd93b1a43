using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

/// <summary>Settings of the SMTP/IMAP connections made by <see cref="MailClientConnector"/>.</summary>
public sealed class MailClientOptions
{
    /// <summary>Limit of each network operation (connect, TLS handshake, one command and its reply), and of getting the token.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Server certificate validation; never off. Default: system roots plus $env:OUTLOOKOAUTH_CA_FILE (read once per connector).</summary>
    public CertificateTrust? Trust { get; init; }
}
