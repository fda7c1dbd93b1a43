using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

/// <summary>Settings of <see cref="ConnectionTester"/> (Test-OutlookConnection's -TimeoutSeconds and -Recipient).</summary>
public sealed class ConnectionTestOptions
{
    /// <summary>Limit of each network step and of getting the token.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>RCPT TO of the SMTP probe; default: the server's username.</summary>
    public string? Recipient { get; init; }
    /// <summary>Certificate trust; default: system roots plus $env:OUTLOOKOAUTH_CA_FILE (read once per tester).</summary>
    public CertificateTrust? Trust { get; init; }
}
