using System.Collections.Concurrent;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

/// <summary>
/// The configuration files one command works with, one <see cref="ConfigurationContext"/> per path, opened at first use
/// (see there why a context lives for one command). It is also the token provider of the mail code: each server gets its
/// token through the context of its own <see cref="MailServer.ConfigPath"/>, so a server piped in from another file
/// uses that file's application and token store.
/// </summary>
public sealed class ConfigurationContexts : IAccessTokenProvider
{
    readonly ConcurrentDictionary<string, Lazy<ConfigurationContext>> _contexts = new(StringComparer.Ordinal);
    readonly Func<string, ConfigurationContext> _open;
    readonly Action<string>? _lockWaiting;
    readonly string? _defaultPath;

    /// <param name="defaultPath">The file of a server without a <see cref="MailServer.ConfigPath"/> (default:
    /// <c>$env:OUTLOOKOAUTH_CONFIG</c>, else the per-user file).</param>
    /// <param name="open">Opens the context of a full path (default: <c>new ConfigurationContext(path)</c>; tests pass
    /// their own MSAL application factory or browser).</param>
    /// <param name="lockWaiting">Told once when a save waits for another process's lock (<see cref="ConfigurationStore.LockWaiting"/>).</param>
    public ConfigurationContexts(string? defaultPath = null, Func<string, ConfigurationContext>? open = null, Action<string>? lockWaiting = null)
    {
        _defaultPath = defaultPath;
        _open = open ?? (path => new ConfigurationContext(path));
        _lockWaiting = lockWaiting;
    }

    /// <summary>The context of a configuration file, the same object for every call with that path.</summary>
    public ConfigurationContext For(string path) =>
        _contexts.GetOrAdd(System.IO.Path.GetFullPath(path), p => new Lazy<ConfigurationContext>(() =>
        {
            var context = _open(p);
            if (_lockWaiting is not null) context.Store.LockWaiting = _lockWaiting;
            return context;
        })).Value;

    /// <summary>The context of the file a server came from.</summary>
    public ConfigurationContext For(MailServer server) =>
        For(string.IsNullOrWhiteSpace(server.ConfigPath) ? _defaultPath ?? ConfigurationPaths.Resolve(null) : server.ConfigPath);

    /// <summary>The contexts opened so far.</summary>
    public IEnumerable<ConfigurationContext> Opened =>
        _contexts.Values.Where(c => c.IsValueCreated).Select(c => c.Value).ToList();

    /// <summary>The token of <paramref name="server"/>, from the token provider of its own file.</summary>
    /// <exception cref="OAuthException">the token cannot be obtained.</exception>
    public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
        For(server).TokenProvider.GetAccessTokenAsync(server, cancellationToken);
}
