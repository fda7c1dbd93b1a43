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

    /// <summary>Never print a secret.</summary>
    public override string ToString() => $"ApplicationChange(clientId={ClientId}, secret={(ClientSecret is null ? "unchanged" : "***")})";
}

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
    public DateTimeOffset? SecretExpiresOn { get; init; }
    /// <summary>Whole days until the secret expires (negative once expired).</summary>
    public int? SecretExpiresInDays { get; init; }
    public string TokenStorePath { get; init; } = "";
    public TokenStoreProtection TokenStoreProtection { get; init; }
    public string? ConfigPath { get; init; }

    public override string ToString() => $"OutlookApplication(clientId={ClientId}, authority={Authority})";
}

/// <summary>Set-OutlookApplication / Get-OutlookApplication: non-secret settings to the YAML, secrets to the token store.</summary>
public static partial class OutlookApplication
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[0-9A-Fa-f]{40}$")]
    private static partial Regex Thumbprint();

    /// <summary>Checks a change before anything is written (a wrong authority, thumbprint, an unreadable
    /// certificate or conflicting secret sources).</summary>
    /// <exception cref="ConfigurationValidationException"/>
    /// <exception cref="OAuthException">the certificate cannot be loaded with the password.</exception>
    public static void Validate(ApplicationChange c)
    {
        static ConfigurationValidationException Fail(string id, string field, string message) => new(id, field, message);
        if (c.ClientId is { Length: > 0 } id && (id.Trim().Length == 0 || id.Trim().Any(char.IsWhiteSpace)))
            throw Fail("InvalidClientId", "ClientId", $"'{id}' is not a client id: give the Application (client) ID of the app registration.");
        if (c.Tenant is { Length: > 0 } t) OutlookAuthority.ForTenant(t);
        if (c.Authority is { Length: > 0 } a) OutlookAuthority.Parse(a);
        if (c.RedirectUri is { Length: > 0 } r) SignInRequest.For(false, false, r, new OutlookApplicationSettings());
        if (c.ClientSecret is not null && c.ClientSecretFromEnvironment is not null)
            throw Fail("ConflictingSecretSources", "ClientSecret", "Give the client secret either as -ClientSecret or as -ClientSecretFromEnvironment, not both.");
        if (c.ClientSecret is not null && c.RemoveClientSecret)
            throw Fail("ConflictingSecretSources", "ClientSecret", "-ClientSecret and -RemoveClientSecret contradict each other.");
        if (c.ClientSecret is { Length: 0 })
            throw Fail("EmptyClientSecret", "ClientSecret", "The client secret is empty.");
        if (c.ClientSecretFromEnvironment is { Length: > 0 } e && !EnvironmentName().IsMatch(e))
            throw Fail("InvalidEnvironmentVariable", "ClientSecretFromEnvironment", $"'{e}' is not an environment variable name (letters, digits, underscore).");
        if (c.CertificateThumbprint is { Length: > 0 } th && !Thumbprint().IsMatch(th.Replace(" ", "")))
            throw Fail("InvalidThumbprint", "CertificateThumbprint", $"'{th}' is not a certificate thumbprint (40 hexadecimal digits).");
        if (c.CertificatePath is { Length: > 0 } p)
            CertificateLoader.LoadFile(p, c.CertificatePassword).Dispose();
    }

    /// <summary>Applies the non-secret part of a change to the settings (inside ConfigurationStore.Update).</summary>
    public static void Apply(OutlookApplicationSettings s, ApplicationChange c)
    {
        static string? Clear(string v) => v.Trim().Length == 0 ? null : v.Trim();
        if (c.ClientId is not null) s.ClientId = Clear(c.ClientId);
        if (c.Tenant is not null) s.Tenant = Clear(c.Tenant) ?? OutlookApplicationSettings.DefaultTenant;
        if (c.Authority is not null) s.Authority = c.Authority.Trim().Length == 0 ? null : OutlookAuthority.Parse(c.Authority).MsalAuthority;
        if (c.RedirectUri is not null) s.RedirectUri = Clear(c.RedirectUri);
        if (c.ClientSecretFromEnvironment is not null) s.ClientSecretEnvironmentVariable = Clear(c.ClientSecretFromEnvironment);
        if (c.ClientSecret is not null || c.RemoveClientSecret) s.ClientSecretEnvironmentVariable = null;
        if (c.CertificatePath is not null)
        {
            s.CertificatePath = c.CertificatePath.Trim().Length == 0 ? null : Path.GetFullPath(c.CertificatePath.Trim());
            if (s.CertificatePath is not null) s.CertificateThumbprint = null;
        }
        if (c.CertificateThumbprint is not null)
        {
            s.CertificateThumbprint = Clear(c.CertificateThumbprint)?.Replace(" ", "").ToUpperInvariant();
            if (s.CertificateThumbprint is not null) s.CertificatePath = null;
        }
        if (c.SecretExpiresOn is not null) s.SecretExpiresOn = c.SecretExpiresOn;
    }

    /// <summary>Stores or removes the secrets of a change (after the YAML was saved).</summary>
    public static void StoreSecrets(TokenStore store, ApplicationChange c)
    {
        if (c.ClientSecret is { Length: > 0 } secret) store.SetSecret(TokenStore.ClientSecretName, secret);
        else if (c.RemoveClientSecret || c.ClientSecretFromEnvironment is { Length: > 0 }) store.RemoveSecret(TokenStore.ClientSecretName);
        if (c.CertificatePassword is { Length: > 0 } password) store.SetSecret(TokenStore.CertificatePasswordName, password);
        else if (c.CertificatePath is not null) store.RemoveSecret(TokenStore.CertificatePasswordName);
    }

    /// <summary>Validate, save the YAML under its lock, then store the secrets. Returns the new state.</summary>
    public static OutlookApplicationInfo Set(ConfigurationStore config, TokenStore store, ApplicationChange change, TimeProvider? clock = null)
    {
        Validate(change);
        var settings = config.Update(c =>
        {
            Apply(c.Application, change);
            return c.Application.Clone();
        });
        StoreSecrets(store, change);
        return Describe(settings, store, config.Path, clock);
    }

    public static OutlookApplicationInfo Describe(OutlookApplicationSettings s, TokenStore store, string? configPath, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var stored = store.HasSecret(TokenStore.ClientSecretName);
        var (kind, source) =
            !string.IsNullOrWhiteSpace(s.CertificatePath) ? (ClientCredentialKind.Certificate, $"certificate file {s.CertificatePath}")
            : !string.IsNullOrWhiteSpace(s.CertificateThumbprint) ? (ClientCredentialKind.Certificate, $"certificate {s.CertificateThumbprint}")
            : !string.IsNullOrWhiteSpace(s.ClientSecretEnvironmentVariable) ? (ClientCredentialKind.Secret, $"environment variable {s.ClientSecretEnvironmentVariable}")
            : stored ? (ClientCredentialKind.Secret, "token store") : (ClientCredentialKind.None, "none");
        string authority;
        try { authority = OutlookAuthority.FromSettings(s).MsalAuthority; }
        catch (ConfigurationValidationException) { authority = s.EffectiveAuthority; }
        return new OutlookApplicationInfo
        {
            ClientId = s.ClientId,
            Tenant = s.Tenant,
            Authority = authority,
            AuthorityIsExplicit = s.Authority is not null,
            RedirectUri = s.RedirectUri,
            Credential = kind,
            CredentialSource = source,
            ClientSecretStored = stored,
            ClientSecretEnvironmentVariable = s.ClientSecretEnvironmentVariable,
            CertificatePath = s.CertificatePath,
            CertificateThumbprint = s.CertificateThumbprint,
            SecretExpiresOn = s.SecretExpiresOn,
            SecretExpiresInDays = s.SecretExpiresOn is { } e ? (int)Math.Floor((e - now).TotalDays) : null,
            TokenStorePath = store.Directory,
            TokenStoreProtection = store.Protection,
            ConfigPath = configPath,
        };
    }
}

/// <summary>The entry point of the mail code: the token provider of a configuration file.</summary>
public static class TokenProviderFactory
{
    /// <summary>Reads the application settings of <paramref name="configPath"/> and opens its token store
    /// (<c>$env:OUTLOOKOAUTH_TOKEN_STORE</c>, else <c>tokens/</c> beside the file).</summary>
    public static OutlookTokenProvider Create(string configPath) =>
        Create(configPath, new ConfigurationStore(configPath).Load());

    public static OutlookTokenProvider Create(string configPath, OutlookConfiguration configuration) =>
        new(configuration.Application, TokenStore.ForConfiguration(configPath));
}
