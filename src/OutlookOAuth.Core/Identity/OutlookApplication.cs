using System.Text.RegularExpressions;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>Set-OutlookApplication / Get-OutlookApplication: non-secret settings to the YAML, secrets to the token store.</summary>
public static partial class OutlookApplication
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[0-9A-Fa-f]{40}$")]
    private static partial Regex Thumbprint();

    /// <summary>Checks a change before anything is written (a client id that is not a GUID, a wrong authority or
    /// thumbprint, an unreadable certificate, two sources for one setting, an environment variable that is not set).</summary>
    /// <exception cref="ConfigurationValidationException"/>
    /// <exception cref="OAuthException">the certificate cannot be loaded with the password.</exception>
    public static void Validate(ApplicationChange c, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        static ConfigurationValidationException Fail(string id, string field, string message) => new(id, field, message) { Hint = HintFor(id) };
        if (c.ClientId is { } id && !Guid.TryParseExact(id.Trim(), "D", out _))
            throw Fail("InvalidClientId", "ClientId", id.Trim().Length == 0
                ? "The client id is empty: give the Application (client) ID of the app registration (a GUID such as 00000000-0000-0000-0000-000000000000, on its Overview page)."
                : $"'{id}' is not a client id: the Application (client) ID of an app registration is a GUID such as 00000000-0000-0000-0000-000000000000 (Overview page of the app registration).");
        if (c.Tenant is { Length: > 0 } && c.Authority is { Length: > 0 })
            throw Fail("ConflictingAuthority", "Authority",
                "Give either -Tenant (an authority on login.microsoftonline.com) or -Authority (an explicit URL that already names the tenant), not both.");
        if (c.Tenant is { Length: > 0 } t) OutlookAuthority.ForTenant(t);
        if (c.Authority is { Length: > 0 } a) OutlookAuthority.Parse(a);
        if (c.RedirectUri is { Length: > 0 } r) SignInRequest.For(false, false, r, new OutlookApplicationSettings());
        if (c.ClientSecret is not null && c.ClientSecretFromEnvironment is not null)
            throw Fail("ConflictingSecretSources", "ClientSecret", "Give the client secret either as -ClientSecret or as -ClientSecretFromEnvironment, not both.");
        if (c.ClientSecret is not null && c.RemoveClientSecret)
            throw Fail("ConflictingSecretSources", "ClientSecret", "-ClientSecret and -RemoveClientSecret contradict each other.");
        if (c.ClientSecret is { Length: 0 })
            throw Fail("EmptyClientSecret", "ClientSecret", "The client secret is empty.");
        if (c.ClientSecretFromEnvironment is { Length: > 0 } e)
        {
            if (!EnvironmentName().IsMatch(e))
                throw Fail("InvalidEnvironmentVariable", "ClientSecretFromEnvironment", $"'{e}' is not an environment variable name (letters, digits, underscore).");
            if (string.IsNullOrEmpty(getEnvironment(e)))
                throw Fail("EnvironmentVariableNotSet", "ClientSecretFromEnvironment",
                    $"The environment variable '{e}' is not set in this session, so the client secret it should hold cannot be read.");
        }
        if (c.CertificatePath is { Length: > 0 } && c.CertificateThumbprint is { Length: > 0 })
            throw Fail("ConflictingCertificateSources", "CertificatePath",
                "Give either -CertificatePath (a PFX/PEM file) or -CertificateThumbprint (a certificate of the Windows store), not both.");
        if (c.CertificateThumbprint is { Length: > 0 } th && !Thumbprint().IsMatch(th.Replace(" ", "")))
            throw Fail("InvalidThumbprint", "CertificateThumbprint", $"'{th}' is not a certificate thumbprint (40 hexadecimal digits).");
        if (c.CertificatePath is { Length: > 0 } p)
            CertificateLoader.LoadFile(p, c.CertificatePassword).Dispose();
        if (c.ManagedIdentitySources > 1)
            throw Fail("ConflictingManagedIdentity", "ManagedIdentity",
                "Give one managed identity: -ManagedIdentity (system-assigned), -ManagedIdentityClientId or -ManagedIdentityResourceId (user-assigned).");
        if (c.ManagedIdentity is { Length: > 0 } mi) ManagedIdentitySelection.Parse(mi);
    }

    /// <summary>The fix for each refusal of <see cref="Validate"/> (ErrorDetails.RecommendedAction), or null.</summary>
    public static string? HintFor(string errorId) => errorId switch
    {
        "InvalidClientId" => "Copy the Application (client) ID from the Overview page of the app registration: Set-OutlookApplication -ClientId <GUID>.",
        "ConflictingAuthority" => "Use -Tenant <tenant id or domain> for Microsoft's login host, or -Authority <https://host/tenant/> for another authority (such as the lab's); -Authority '' returns to the tenant's.",
        "EnvironmentVariableNotSet" => "Set the variable first ($env:NAME = ..., or the runbook's encrypted variable), then run Set-OutlookApplication -ClientSecretFromEnvironment NAME again; or store the secret with -ClientSecret.",
        "ConflictingCertificateSources" => "Run Set-OutlookApplication with only one of -CertificatePath and -CertificateThumbprint; the other one is then cleared.",
        "ConflictingSecretSources" => "Give one secret source: -ClientSecret, -ClientSecretFromEnvironment or -RemoveClientSecret.",
        "InvalidEnvironmentVariable" => "Give the variable's name without '$env:' (letters, digits, underscore), e.g. -ClientSecretFromEnvironment OUTLOOK_SECRET.",
        "InvalidThumbprint" => "Give the 40 hexadecimal digits of the certificate's thumbprint (Get-ChildItem Cert:\\CurrentUser\\My).",
        "ConflictingManagedIdentity" => "Use -ManagedIdentity for the system-assigned identity, or one of -ManagedIdentityClientId / -ManagedIdentityResourceId for a user-assigned one; -ManagedIdentity:$false removes it.",
        "InvalidTenant" or "InvalidAuthority" => "Use common, organizations, a tenant id (GUID) or a domain such as contoso.onmicrosoft.com; an authority is https://host/<tenant>/.",
        _ => null,
    };

    /// <summary>Things worth saying about an accepted change: a client secret shaped like a GUID is almost always
    /// the secret's ID pasted instead of its Value, which Entra refuses later with AADSTS7000215.</summary>
    public static IReadOnlyList<string> Advise(ApplicationChange c, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var advice = new List<string>();
        var (secret, where) = c.ClientSecret is { Length: > 0 } s ? (s, "The client secret")
            : c.ClientSecretFromEnvironment is { Length: > 0 } e && getEnvironment(e) is { Length: > 0 } v ? (v, $"The client secret in ${"env:"}{e}")
            : (null, "");
        if (secret is not null && Guid.TryParse(secret.Trim(), out _))
            advice.Add($"{where} looks like a GUID: that is the secret's ID (Secret ID column), not its Value, and Entra will refuse it with AADSTS7000215. " +
                       "Copy the Value column of Certificates & secrets (shown once, when the secret is created) and run Set-OutlookApplication -ClientSecret (Read-Host -AsSecureString) again.");
        return advice;
    }

    /// <summary>Applies the non-secret part of a change to the settings (inside ConfigurationStore.Update).</summary>
    public static void Apply(OutlookApplicationSettings s, ApplicationChange c)
    {
        static string? Clear(string v) => v.Trim().Length == 0 ? null : v.Trim();
        if (c.ClientId is not null) s.ClientId = Clear(c.ClientId);
        // One source for the authority: -Tenant means login.microsoftonline.com/<tenant>/ (an explicit authority is
        // dropped), -Authority names its tenant itself (the tenant field follows it, so nothing shows 'common' beside it).
        if (c.Tenant is not null)
        {
            s.Tenant = Clear(c.Tenant) ?? OutlookApplicationSettings.DefaultTenant;
            if (c.Tenant.Trim().Length > 0) s.Authority = null;
        }
        if (c.Authority is not null)
        {
            if (c.Authority.Trim().Length == 0) s.Authority = null;
            else
            {
                var authority = OutlookAuthority.Parse(c.Authority);
                s.Authority = authority.MsalAuthority;
                s.Tenant = authority.Tenant;
            }
        }
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
        if (c.ManagedIdentity is not null) s.ManagedIdentity = ManagedIdentitySelection.Parse(c.ManagedIdentity)?.Value;
        if (c.SecretKeyId is not null) s.SecretKeyId = Clear(c.SecretKeyId);
        // A secret given by hand is not the one Register-OutlookApplication made: its keyId no longer describes it.
        else if (c.ClientSecret is not null || c.RemoveClientSecret || c.ClientSecretFromEnvironment is not null) s.SecretKeyId = null;
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
    public static OutlookApplicationInfo Set(ConfigurationStore config, TokenStore store, ApplicationChange change, TimeProvider? clock = null,
        Func<string, string?>? getEnvironment = null)
    {
        Validate(change, getEnvironment);
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
        var identity = ManagedIdentitySelection.Parse(s.ManagedIdentity);
        var (kind, source) =
            identity is not null ? (ClientCredentialKind.ManagedIdentity, identity.Describe())
            : !string.IsNullOrWhiteSpace(s.CertificatePath) ? (ClientCredentialKind.Certificate, $"certificate file {s.CertificatePath}")
            : !string.IsNullOrWhiteSpace(s.CertificateThumbprint) ? (ClientCredentialKind.Certificate, $"certificate {s.CertificateThumbprint}")
            : !string.IsNullOrWhiteSpace(s.ClientSecretEnvironmentVariable) ? (ClientCredentialKind.Secret, $"environment variable {s.ClientSecretEnvironmentVariable}")
            : stored ? (ClientCredentialKind.Secret, "token store") : (ClientCredentialKind.None, "none");
        string authority, tenant = s.Tenant;
        try
        {
            var parsed = OutlookAuthority.FromSettings(s);
            authority = parsed.MsalAuthority;
            tenant = parsed.Tenant; // an explicit authority names the tenant; never 'common' beside a tenant authority
        }
        catch (ConfigurationValidationException) { authority = s.EffectiveAuthority; }
        return new OutlookApplicationInfo
        {
            ClientId = s.ClientId,
            Tenant = tenant,
            Authority = authority,
            AuthorityIsExplicit = s.Authority is not null,
            RedirectUri = s.RedirectUri,
            Credential = kind,
            CredentialSource = source,
            ClientSecretStored = stored,
            ClientSecretEnvironmentVariable = s.ClientSecretEnvironmentVariable,
            CertificatePath = s.CertificatePath,
            CertificateThumbprint = s.CertificateThumbprint,
            ManagedIdentity = identity?.Value,
            SecretExpiresOn = s.SecretExpiresOn,
            SecretKeyId = s.SecretKeyId,
            SecretExpiresInDays = s.SecretExpiresOn is { } e ? (int)Math.Floor((e - now).TotalDays) : null,
            TokenStorePath = store.Directory,
            TokenStoreProtection = store.Protection,
            ConfigPath = configPath,
        };
    }
}
