using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>What Connect-OutlookAccount / Disconnect-OutlookAccount do for one server, so that the cmdlets
/// only bind, confirm and write. Output objects are copies with <see cref="MailServer.TokenStatus"/> and
/// <see cref="MailServer.ConfigPath"/> set.</summary>
public sealed class AccountService
{
    readonly OutlookConfiguration _configuration;
    readonly MsalAppFactory? _apps;
    readonly IBrowserLauncher? _browser;

    /// <param name="status">The token status of the file's servers, with its token provider (<see cref="ConfigurationContext.Accounts"/>
    /// passes the context's).</param>
    public AccountService(string configPath, OutlookConfiguration configuration, TokenStatusService status, MsalAppFactory? apps = null, IBrowserLauncher? browser = null)
    {
        ConfigPath = configPath;
        _configuration = configuration;
        Status = status;
        _apps = apps;
        _browser = browser;
    }

    public string ConfigPath { get; }
    public TokenStore Store => Status.Store;
    public TokenStatusService Status { get; }
    public OutlookApplicationSettings Application => _configuration.Application;

    /// <summary>The server of that name (and direction, needed only when both directions have one).</summary>
    /// <exception cref="ConfigurationValidationException">ServerNotFound, AmbiguousServerName.</exception>
    public MailServer Find(string name, MailServerDirection? direction)
    {
        var d = ServerLookup.ResolveDirection(_configuration, name, direction);
        return _configuration.Find(name, d) ?? throw ServerLookup.NotFound(name, d, ConfigPath);
    }

    /// <summary>The server of that name from the file, or <paramref name="given"/> (a pipeline object) when the file
    /// does not have it yet: <c>New-OutlookMailServer | Connect-OutlookAccount</c> connects before the save.</summary>
    public MailServer Find(string name, MailServerDirection? direction, MailServer? given)
    {
        if (given is null) return Find(name, direction);
        var inFile = _configuration.Find(given.Name, given.Direction);
        return inFile ?? given.Clone();
    }

    /// <summary>A copy for output, with its token status.</summary>
    public MailServer Describe(MailServer server)
    {
        var copy = server.Clone();
        copy.ConfigPath = ConfigPath;
        copy.TokenStatus = Status.GetStatus(server);
        return copy;
    }

    /// <summary>True when the server already has usable tokens (Valid or Refreshable).</summary>
    public bool IsConnected(MailServer server) => Status.GetStatus(server) is TokenStatus.Valid or TokenStatus.Refreshable;

    public async Task<MailServer> ConnectAsync(MailServer server, SignInRequest request, ISignInInteraction ui, CancellationToken cancellationToken)
    {
        var signIn = new OutlookSignIn(_configuration.Application, Store, _apps, _browser);
        await signIn.ConnectAsync(server, request, ui, cancellationToken).ConfigureAwait(false);
        return Describe(server);
    }

    /// <summary>-Silent / -Refresh: proves the stored tokens with a real refresh.</summary>
    public async Task<MailServer> RefreshAsync(MailServer server, CancellationToken cancellationToken)
    {
        await Status.RefreshAsync(server, cancellationToken).ConfigureAwait(false);
        return Describe(server);
    }

    /// <summary>Removes the server's tokens; false when it had none.</summary>
    public bool Disconnect(MailServer server)
    {
        using (Store.Lock(server)) return Store.Remove(server);
    }
}
