using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>Token status of servers: <see cref="GetStatus"/> from stored data only (no network);
/// <see cref="RefreshAsync"/> proves it with a real refresh. Used by Get-OutlookMailServer (-Refresh)
/// and Connect-OutlookAccount, through <see cref="ConfigurationContext.TokenStatus"/> (or
/// <see cref="ConfigurationContext.StoredTokenStatus"/> for commands that only read).</summary>
public sealed class TokenStatusService
{
    readonly TimeProvider _clock;

    public TokenStatusService(TokenStore store, OutlookTokenProvider? provider = null, TimeProvider? clock = null)
    {
        Store = store;
        Provider = provider;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The status of a server when there is no token store at all.</summary>
    public static TokenStatus StatusWithoutStore(MailServer server) =>
        server.UsesOutlookOAuth ? TokenStatus.Missing : TokenStatus.NotApplicable;

    public TokenStore Store { get; }
    public OutlookTokenProvider? Provider { get; }

    public TokenStatus GetStatus(MailServer server)
    {
        if (!server.UsesOutlookOAuth) return TokenStatus.NotApplicable;
        var metadata = Store.ReadMetadata(server);
        return metadata is null ? TokenStatus.Missing : metadata.StatusAt(_clock.GetUtcNow());
    }

    /// <summary>Sets <see cref="MailServer.TokenStatus"/> on the object and returns it.</summary>
    public T Annotate<T>(T server) where T : MailServer
    {
        server.TokenStatus = GetStatus(server);
        return server;
    }

    /// <summary>Redeems the refresh token (or client credentials) now; returns the status after it.</summary>
    /// <exception cref="OAuthException">the refresh failed (the status then reads Expired when it was refused).</exception>
    public async Task<TokenStatus> RefreshAsync(MailServer server, CancellationToken cancellationToken)
    {
        if (!server.UsesOutlookOAuth) return TokenStatus.NotApplicable;
        var provider = Provider ?? throw new InvalidOperationException("No token provider was given.");
        await provider.AcquireAsync(server, forceRefresh: true, cancellationToken).ConfigureAwait(false);
        return GetStatus(server);
    }
}
