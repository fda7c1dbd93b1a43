using OutlookOAuth.Identity;

namespace OutlookOAuth.Graph;

/// <summary>How the admin signs in to Microsoft Graph: delegated (browser or device code, public client
/// <see cref="ClientId"/>, default "Microsoft Graph Command Line Tools") or app-only (client credentials of an
/// automation app with <see cref="ClientSecret"/> or <see cref="CertificatePath"/>).</summary>
public sealed class GraphSignInOptions
{
    public required OutlookAuthority Authority { get; init; }
    public string ClientId { get; init; } = GraphIds.AdminClientId;
    public bool DeviceCode { get; init; }
    /// <summary>The administrator's account: the browser sign-in's login hint, and which cached sign-in is reused.</summary>
    public string? Account { get; init; }
    /// <summary>App-only: the automation app's secret (plain only for the moment MSAL needs it).</summary>
    public string? ClientSecret { get; init; }
    public string? CertificatePath { get; init; }
    public string? CertificatePassword { get; init; }
    public bool PersonPresent { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    public bool AppOnly => ClientSecret is not null || CertificatePath is not null;

    public override string ToString() => $"GraphSignIn(authority={Authority}, clientId={ClientId}, appOnly={AppOnly})";
}
