using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Hands the tester tokens minted by the test (the OAuth layer is tested elsewhere).</summary>
public sealed class FixedTokenProvider(Func<MailServer, AccessToken> mint) : IAccessTokenProvider
{
    int _calls;

    public FixedTokenProvider(string token, DateTimeOffset? expiresOn = null, bool appOnly = false)
        : this(s => new AccessToken(token, expiresOn ?? DateTimeOffset.UtcNow.AddHours(1), s.Username, appOnly)) { }

    public int Calls => Volatile.Read(ref _calls);

    public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(mint(server));
    }
}

/// <summary>A token provider whose token request fails (as the OAuth layer does) or never answers.</summary>
public sealed class FailingTokenProvider(Exception? error) : IAccessTokenProvider
{
    public async Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken)
    {
        if (error is not null) throw error;
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException();
    }
}
