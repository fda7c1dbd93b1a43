using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>What the mail code calls to get a valid token for a server (refreshing as needed).</summary>
public interface IAccessTokenProvider
{
    /// <exception cref="OAuthException">the token cannot be obtained (not connected, refresh refused, network).</exception>
    Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken);
}
