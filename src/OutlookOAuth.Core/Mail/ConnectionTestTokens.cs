using System.Collections.Concurrent;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Mail;

/// <summary>
/// Where Test-OutlookConnection gets access tokens: the token provider of each server's configuration file, made by
/// <see cref="Factory"/> (by default the identity layer's <see cref="TokenProviderFactory"/>; a test host may set its own). Without a factory
/// every token request fails with the OAuth error id <c>TokenProviderUnavailable</c>.
/// </summary>
public static class ConnectionTestTokens
{
    /// <summary>Creates the token provider of a configuration file (full path).</summary>
    public static Func<string, IAccessTokenProvider>? Factory { get; set; } = path => TokenProviderFactory.Create(path);

    /// <summary>A provider that routes each server to the provider of its <see cref="MailServer.ConfigPath"/>
    /// (<paramref name="defaultConfigPath"/> when it has none).</summary>
    public static IAccessTokenProvider ForConfiguration(string defaultConfigPath) => new PerConfiguration(defaultConfigPath, Factory);

    sealed class PerConfiguration(string defaultPath, Func<string, IAccessTokenProvider>? factory) : IAccessTokenProvider
    {
        readonly ConcurrentDictionary<string, Lazy<IAccessTokenProvider>> _providers = new(StringComparer.Ordinal);

        public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken)
        {
            if (factory is null)
                throw new OAuthException("TokenProviderUnavailable", "No access token provider is available in this session.",
                    "Import the complete OutlookOAuth module (its identity component provides the tokens).");
            var path = string.IsNullOrWhiteSpace(server.ConfigPath) ? defaultPath : server.ConfigPath;
            return _providers.GetOrAdd(path, p => new Lazy<IAccessTokenProvider>(() => factory(p))).Value.GetAccessTokenAsync(server, cancellationToken);
        }
    }
}
