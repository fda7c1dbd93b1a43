using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>Builds the MSAL applications of the configured Entra app: confidential (client secret or
/// certificate: browser, paste and app-only flows) and public (device code). Every HTTP call goes
/// through <see cref="TrustedHttpClientFactory"/>; instance discovery is off for non-Microsoft hosts
/// (the local authority), on for Microsoft's.</summary>
public sealed class MsalAppFactory
{
    /// <summary>A managed-identity endpoint is on the machine itself (or its link-local IMDS): one that does not
    /// connect within this long is not there, and the error says so instead of waiting 100 s.</summary>
    public static readonly TimeSpan ManagedIdentityTimeout = TimeSpan.FromSeconds(10);

    readonly IMsalHttpClientFactory _http;
    readonly IMsalHttpClientFactory _managedIdentityHttp;

    public MsalAppFactory(IMsalHttpClientFactory? http = null)
    {
        _http = http ?? TrustedHttpClientFactory.FromEnvironment();
        _managedIdentityHttp = http ?? TrustedHttpClientFactory.FromEnvironment(ManagedIdentityTimeout);
    }

    public static string RequireClientId(OutlookApplicationSettings settings) =>
        string.IsNullOrWhiteSpace(settings.ClientId)
            ? throw new OAuthException("ApplicationNotConfigured", "No Entra application is configured.",
                "Register an app in Entra (App registrations), then Set-OutlookApplication -ClientId <Application (client) ID> -Tenant <tenant> -ClientSecret (Read-Host -AsSecureString).")
            : settings.ClientId.Trim();

    public IConfidentialClientApplication CreateConfidential(OutlookApplicationSettings settings, ApplicationCredentials credentials, Uri? redirectUri = null)
    {
        var authority = OutlookAuthority.FromSettings(settings);
        var builder = ConfidentialClientApplicationBuilder.Create(RequireClientId(settings))
            .WithAuthority(authority.MsalAuthority)
            .WithInstanceDiscovery(authority.IsMicrosoft)
            .WithHttpClientFactory(_http)
            .WithClientName("OutlookOAuth");
        if (redirectUri is not null) builder = builder.WithRedirectUri(redirectUri.AbsoluteUri);
        builder = credentials.Kind switch
        {
            ClientCredentialKind.Secret => builder.WithClientSecret(credentials.Secret!),
            ClientCredentialKind.Certificate => builder.WithCertificate(credentials.Certificate!),
            _ => throw new OAuthException("ClientCredentialMissing",
                "This sign-in uses the app's client secret or certificate (a Web-platform, confidential app), and none is configured.",
                "Store the secret with Set-OutlookApplication -ClientSecret (Read-Host -AsSecureString) (or -ClientSecretFromEnvironment / -CertificatePath), or use Connect-OutlookAccount -DeviceCode with 'Allow public client flows' enabled."),
        };
        return builder.Build();
    }

    /// <summary>The MSAL application of a managed identity. MSAL keeps its tokens in a cache shared by the whole process
    /// (in the module's private load context), so every command of a job reuses one token until it nears expiry.</summary>
    public IManagedIdentityApplication CreateManagedIdentity(ManagedIdentitySelection identity)
    {
        var id = identity.Kind switch
        {
            ManagedIdentityKind.SystemAssigned => ManagedIdentityId.SystemAssigned,
            ManagedIdentityKind.UserAssignedClientId => ManagedIdentityId.WithUserAssignedClientId(identity.Id),
            _ => ManagedIdentityId.WithUserAssignedResourceId(identity.Id),
        };
        return ManagedIdentityApplicationBuilder.Create(id).WithHttpClientFactory(_managedIdentityHttp).Build();
    }

    public IPublicClientApplication CreatePublic(OutlookApplicationSettings settings)
    {
        var authority = OutlookAuthority.FromSettings(settings);
        return PublicClientApplicationBuilder.Create(RequireClientId(settings))
            .WithAuthority(authority.MsalAuthority)
            .WithInstanceDiscovery(authority.IsMicrosoft)
            .WithHttpClientFactory(_http)
            .WithClientName("OutlookOAuth")
            .Build();
    }
}

/// <summary>An MSAL token cache bound to bytes in memory: loaded from a token-store partition, written
/// back by the caller only when it decides to (after the account check).</summary>
internal sealed class CacheSlot
{
    public CacheSlot(byte[]? data) => Data = data;

    public byte[]? Data { get; private set; }
    public bool Changed { get; private set; }

    public void Bind(ITokenCache cache)
    {
        cache.SetBeforeAccess(a => { if (Data is { Length: > 0 }) a.TokenCache.DeserializeMsalV3(Data, shouldClearExistingCache: true); });
        cache.SetAfterAccess(a =>
        {
            if (!a.HasStateChanged) return;
            Data = a.TokenCache.SerializeMsalV3();
            Changed = true;
        });
    }
}
