using Microsoft.Identity.Client;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>
/// Access tokens for SMTP/IMAP XOAUTH2 from the token store. A stored access token is served while it
/// has more than <see cref="RefreshMargin"/> left; otherwise the refresh token is redeemed and the
/// rotated refresh token written back every time, under the partition's cross-process lock. App-only
/// servers re-acquire by client credentials. A refused refresh is recorded (status Expired).
/// </summary>
public sealed class OutlookTokenProvider : IAccessTokenProvider
{
    public static readonly TimeSpan DefaultRefreshMargin = TimeSpan.FromMinutes(5);

    readonly OutlookApplicationSettings _settings;
    readonly MsalAppFactory _apps;
    readonly Func<string, string?> _getEnvironment;
    readonly TimeProvider _clock;
    ApplicationCredentials? _credentials;

    public OutlookTokenProvider(OutlookApplicationSettings settings, TokenStore store, MsalAppFactory? apps = null,
        Func<string, string?>? getEnvironment = null, TimeProvider? clock = null)
    {
        _settings = settings;
        Store = store;
        _apps = apps ?? new MsalAppFactory();
        _getEnvironment = getEnvironment ?? Environment.GetEnvironmentVariable;
        _clock = clock ?? TimeProvider.System;
    }

    public TokenStore Store { get; }

    /// <summary>A token with less than this left is refreshed first (MSAL itself never serves one with
    /// less than 5 minutes left).</summary>
    public TimeSpan RefreshMargin { get; init; } = DefaultRefreshMargin;

    public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
        AcquireAsync(server, forceRefresh: false, cancellationToken);

    /// <summary>Gets a token; <paramref name="forceRefresh"/> redeems the refresh token (or client
    /// credentials) even when the stored access token is still valid: the proof that it works.</summary>
    public async Task<AccessToken> AcquireAsync(MailServer server, bool forceRefresh, CancellationToken cancellationToken)
    {
        if (!server.UsesOutlookOAuth)
            throw new OAuthException("NotAnOutlookServer", $"{server} uses password authentication; it has no OAuth token.");
        using var _ = Store.Lock(server);
        var metadata = Store.ReadMetadata(server) ?? throw NotConnected(server);
        var cache = Store.ReadCache(server);
        if (cache is null && metadata.Flow != SignInFlow.ManagedIdentity) throw NotConnected(server);
        var now = _clock.GetUtcNow();
        var force = forceRefresh || metadata.AccessTokenExpiresOn is not { } exp || exp - now < RefreshMargin;
        var slot = new CacheSlot(cache);
        var authority = OutlookAuthority.FromSettings(_settings);
        AuthenticationResult result;
        if (metadata.Flow == SignInFlow.ManagedIdentity)
        {
            var identity = ManagedIdentitySelection.Parse(_settings.ManagedIdentity) ?? throw new OAuthException("ManagedIdentityNotConfigured",
                $"{server} was connected with a managed identity, and the application no longer names one.",
                $"Set it again (Set-OutlookApplication -ManagedIdentity, or -ManagedIdentityClientId <client id>), or connect with the app's secret: Get-OutlookMailServer -Name '{server.Name}' -Direction {server.Direction} | Connect-OutlookAccount -AppOnly");
            // MSAL's managed-identity cache is per process; the store keeps only the metadata (no token on disk).
            result = await ManagedIdentityTokens.AcquireAsync(_apps, identity, forceRefresh, cancellationToken, _getEnvironment).ConfigureAwait(false);
        }
        else if (metadata.AppOnly)
        {
            var credentials = Credentials();
            var app = _apps.CreateConfidential(_settings, credentials);
            slot.Bind(app.AppTokenCache);
            try { result = await app.AcquireTokenForClient(OutlookScopes.ForApp()).WithForceRefresh(force).ExecuteAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw OAuthErrorMap.Map(e, new OAuthContext(authority, _settings.ClientId, "client_credentials") { Secrets = Secrets(credentials) });
            }
        }
        else
        {
            IClientApplicationBase app;
            var credentials = metadata.PublicClient ? ApplicationCredentials.None : Credentials();
            if (metadata.PublicClient)
            {
                var pca = _apps.CreatePublic(_settings);
                slot.Bind(pca.UserTokenCache);
                app = pca;
            }
            else
            {
                var cca = _apps.CreateConfidential(_settings, credentials);
                slot.Bind(cca.UserTokenCache);
                app = cca;
            }
            var context = new OAuthContext(authority, _settings.ClientId, "refresh") { Secrets = Secrets(credentials) };
            IAccount? account;
            try { account = metadata.HomeAccountId is null ? null : await app.GetAccountAsync(metadata.HomeAccountId).ConfigureAwait(false); }
            catch (MsalException e) { throw OAuthErrorMap.Map(e, context); }
            if (account is null) throw NotConnected(server);
            try
            {
                result = await app.AcquireTokenSilent(OutlookScopes.ForMsal(server.Direction), account).WithForceRefresh(force)
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var mapped = OAuthErrorMap.Map(e, context);
                if (e is MsalUiRequiredException || mapped.AadstsCode is "700082" or "70008" or "50173" or "70043")
                {
                    metadata.RefreshRejectedOn = _clock.GetUtcNow();
                    metadata.RefreshRejectedCode = mapped.AadstsCode ?? (e as MsalException)?.ErrorCode;
                    Store.Save(server, metadata, cache: null);
                }
                throw mapped;
            }
        }

        var fromAuthority = result.AuthenticationResultMetadata?.TokenSource == TokenSource.IdentityProvider;
        if (fromAuthority || slot.Changed || metadata.AccessTokenExpiresOn != result.ExpiresOn || metadata.RefreshRejectedOn is not null)
        {
            if (fromAuthority) metadata.LastRefreshOn = _clock.GetUtcNow();
            metadata.AccessTokenExpiresOn = result.ExpiresOn;
            metadata.RefreshRejectedOn = null;
            metadata.RefreshRejectedCode = null;
            // The rotated refresh token (and the new access token) are in the serialized cache: persist every time it changed.
            Store.Save(server, metadata, slot.Changed ? slot.Data : null);
        }
        return new AccessToken(result.AccessToken, result.ExpiresOn, server.Username, metadata.AppOnly);
    }

    ApplicationCredentials Credentials() => _credentials ??= ApplicationCredentials.Resolve(_settings, Store, _getEnvironment);

    static IReadOnlyList<string> Secrets(ApplicationCredentials c) => c.Secret is null ? Array.Empty<string>() : new[] { c.Secret };

    static OAuthException NotConnected(MailServer server) =>
        new("NotConnected", $"{server} ({server.Username}) has no token: its account is not connected.",
            $"Connect it: Get-OutlookMailServer -Name '{server.Name}' -Direction {server.Direction} | Connect-OutlookAccount");
}
