using System.Text.RegularExpressions;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>A change of the Entra application (Set-OutlookApplication). Null leaves a field as it is;
/// an empty string clears it. Secrets are plain strings only for the moment they are stored.</summary>
public sealed class ApplicationChange
{
    public string? ClientId { get; set; }
    public string? Tenant { get; set; }
    public string? Authority { get; set; }
    public string? RedirectUri { get; set; }
    public string? ClientSecret { get; set; }
    public string? ClientSecretFromEnvironment { get; set; }
    public bool RemoveClientSecret { get; set; }
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    public string? CertificateThumbprint { get; set; }
    public DateTimeOffset? SecretExpiresOn { get; set; }
    /// <summary>The managed identity for app-only tokens (<c>system</c>, a client id, a resource id); "" removes it.</summary>
    public string? ManagedIdentity { get; set; }
    /// <summary>How many of -ManagedIdentity, -ManagedIdentityClientId, -ManagedIdentityResourceId were given (at most one).</summary>
    public int ManagedIdentitySources { get; set; }
    /// <summary>The keyId of the secret in Entra (not secret); an empty string clears it.</summary>
    public string? SecretKeyId { get; set; }

    /// <summary>Never print a secret.</summary>
    public override string ToString() => $"ApplicationChange(clientId={ClientId}, secret={(ClientSecret is null ? "unchanged" : "***")})";
}
