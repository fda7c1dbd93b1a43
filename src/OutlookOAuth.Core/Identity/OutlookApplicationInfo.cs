using System.Text.RegularExpressions;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>The application as Get-OutlookApplication shows it: no secret, only whether one is stored
/// and when it expires.</summary>
public sealed class OutlookApplicationInfo
{
    public string? ClientId { get; init; }
    public string Tenant { get; init; } = OutlookApplicationSettings.DefaultTenant;
    /// <summary>The authority MSAL uses (https://host/&lt;tenant&gt;/).</summary>
    public string Authority { get; init; } = "";
    public bool AuthorityIsExplicit { get; init; }
    public string? RedirectUri { get; init; }
    public ClientCredentialKind Credential { get; init; }
    public string CredentialSource { get; init; } = "none";
    public bool ClientSecretStored { get; init; }
    public string? ClientSecretEnvironmentVariable { get; init; }
    public string? CertificatePath { get; init; }
    public string? CertificateThumbprint { get; init; }
    /// <summary>The managed identity of app-only tokens: system, a client id or a resource id (null: none).</summary>
    public string? ManagedIdentity { get; init; }
    public DateTimeOffset? SecretExpiresOn { get; init; }
    /// <summary>The secret's keyId in Entra ("Secret ID"), when the module created it; never its value.</summary>
    public string? SecretKeyId { get; init; }
    /// <summary>Whole days until the secret expires (negative once expired).</summary>
    public int? SecretExpiresInDays { get; init; }
    public string TokenStorePath { get; init; } = "";
    public TokenStoreProtection TokenStoreProtection { get; init; }
    public string? ConfigPath { get; init; }

    public override string ToString() => $"OutlookApplication(clientId={ClientId}, authority={Authority})";
}
