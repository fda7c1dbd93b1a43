namespace OutlookOAuth.Configuration;

/// <summary>Non-secret settings of the Entra (Azure) application. Secrets live in the token store.</summary>
public sealed class OutlookApplicationSettings
{
    public const string DefaultTenant = "common";

    public string? ClientId { get; set; }
    /// <summary>"common", "organizations", a tenant id or a domain.</summary>
    public string Tenant { get; set; } = DefaultTenant;
    /// <summary>Explicit authority URL; wins over <see cref="Tenant"/> when set.</summary>
    public string? Authority { get; set; }
    /// <summary>A registered web redirect URI used by the paste flow.</summary>
    public string? RedirectUri { get; set; }
    /// <summary>Name of an environment variable holding the client secret (runbooks).</summary>
    public string? ClientSecretEnvironmentVariable { get; set; }
    public string? CertificatePath { get; set; }
    public string? CertificateThumbprint { get; set; }
    public DateTimeOffset? SecretExpiresOn { get; set; }
    /// <summary>App-only tokens come from a managed identity of the machine: <c>system</c>, a user-assigned identity's
    /// client id, or its resource id (see Identity.ManagedIdentitySelection). No secret.</summary>
    public string? ManagedIdentity { get; set; }
    /// <summary>The stored client secret's keyId in Entra (the portal's "Secret ID"; not secret): which secret a rotation
    /// replaces and Test-OutlookTenant checks. Set by Register-OutlookApplication and Update-OutlookApplicationSecret.</summary>
    public string? SecretKeyId { get; set; }

    public bool IsEmpty =>
        ClientId is null && Tenant == DefaultTenant && Authority is null && RedirectUri is null &&
        ClientSecretEnvironmentVariable is null && CertificatePath is null && CertificateThumbprint is null &&
        SecretExpiresOn is null && ManagedIdentity is null && SecretKeyId is null;

    /// <summary>The authority (ends with '/'): the explicit one, else login.microsoftonline.com/&lt;tenant&gt;/oauth2/v2.0/.</summary>
    public string EffectiveAuthority =>
        Authority ?? $"https://login.microsoftonline.com/{(string.IsNullOrWhiteSpace(Tenant) ? DefaultTenant : Tenant)}/oauth2/v2.0/";

    public OutlookApplicationSettings Clone() => (OutlookApplicationSettings)MemberwiseClone();
}
