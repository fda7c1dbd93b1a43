using OutlookOAuth.Identity;
using OutlookOAuth.Selection;

namespace OutlookOAuth.Configuration;

/// <summary>
/// Everything about one configuration file, hanging off one object: its <see cref="Path"/> and <see cref="Store"/>, the
/// configuration read from it (<see cref="Load"/>: once, again only on <see cref="Reload"/>), the choice of server for a
/// sender made from it (<see cref="Senders"/>), its token store (<see cref="Tokens"/>, opened on first use;
/// <see cref="ExistingTokens"/> for commands that only read, which never creates the <c>tokens/</c> folder), its token
/// provider, its accounts and the token status of its servers. Each member is made once, when first asked for (again
/// after <see cref="Reload"/> for what depends on the configuration), and may be used from several threads (the
/// connection tests ask for tokens in parallel).
/// <para>Lifetime: one command. Each cmdlet invocation (one pipeline stage) opens one context per configuration file it
/// touches, through <see cref="ConfigurationContexts"/>. Why not once per process: a command must see the file, and
/// <c>$env:OUTLOOKOAUTH_TOKEN_STORE</c>, as they are when it runs (another process, session or earlier command may have
/// changed either), which a process-wide cache could only promise by checking both on every use; and what is costly to
/// open and safe to keep is already shared per process where it is made: the protection probe of a token store folder
/// (<see cref="TokenStore"/>) and the HTTP client of the authority (<see cref="TrustedHttpClientFactory"/>).</para>
/// <para>Writes do not go through the loaded configuration: <see cref="ConfigurationStore.Update{T}"/> and a pipeline's
/// <see cref="ConfigurationBatch"/> re-read the file under its lock, so a concurrent writer loses nothing.</para>
/// </summary>
public sealed class ConfigurationContext
{
    readonly object _gate = new();
    readonly MsalAppFactory? _apps;
    readonly IBrowserLauncher? _browser;
    readonly Func<string, string?> _getEnvironment;
    OutlookConfiguration? _configuration;
    TokenStore? _tokens;
    OutlookTokenProvider? _provider;
    TokenStatusService? _status;
    TokenStatusService? _storedStatus;
    AccountService? _accounts;
    MailSenderResolver? _senders;

    /// <param name="path">The configuration file (made absolute).</param>
    /// <param name="apps">How MSAL applications are built (default: trusting the system roots and <c>$env:OUTLOOKOAUTH_CA_FILE</c>).</param>
    /// <param name="browser">The browser of interactive sign-ins (default: the system's).</param>
    /// <param name="getEnvironment">The environment (<c>$env:OUTLOOKOAUTH_TOKEN_STORE</c>, a client secret's variable).</param>
    public ConfigurationContext(string path, MsalAppFactory? apps = null, IBrowserLauncher? browser = null, Func<string, string?>? getEnvironment = null)
    {
        Store = new ConfigurationStore(path);
        _apps = apps;
        _browser = browser;
        _getEnvironment = getEnvironment ?? Environment.GetEnvironmentVariable;
        TokenDirectory = TokenStore.ResolveDirectory(Store.Path, _getEnvironment);
    }

    /// <summary>The full path of the configuration file.</summary>
    public string Path => Store.Path;

    public ConfigurationStore Store { get; }

    /// <summary>Where the token store is: <c>$env:OUTLOOKOAUTH_TOKEN_STORE</c> when the context was opened, else
    /// <c>tokens/</c> beside the file.</summary>
    public string TokenDirectory { get; }

    /// <summary>The configuration, read at the first call and kept (an empty one while the file does not exist).</summary>
    /// <exception cref="ConfigurationFileException">malformed (file:line:column).</exception>
    /// <exception cref="ConfigurationAccessException">a folder, or the system refused to read it.</exception>
    public OutlookConfiguration Load()
    {
        lock (_gate) return _configuration ??= Store.Load();
    }

    /// <summary>Like <see cref="Load"/>, but a file that does not exist is a ConfigurationFileNotFound error (for
    /// commands that only read a file someone named).</summary>
    public OutlookConfiguration LoadExisting()
    {
        lock (_gate) return _configuration ??= Store.LoadExisting();
    }

    /// <summary>Reads the file again; what was made from the old configuration (token provider, accounts, status) is
    /// made again from the new one when next asked for.</summary>
    public OutlookConfiguration Reload()
    {
        lock (_gate)
        {
            var configuration = Store.Load();
            (_configuration, _provider, _status, _accounts, _senders) = (configuration, null, null, null, null);
            return configuration;
        }
    }

    /// <summary>Odoo's choice of outgoing server for a sender, indexed once from <see cref="Load"/>'s configuration
    /// (Send-OutlookMail, Resolve-OutlookMailServer).</summary>
    public MailSenderResolver Senders
    {
        get
        {
            var configuration = Load();
            lock (_gate) return _senders ??= new MailSenderResolver(configuration, Path);
        }
    }

    /// <summary>The token store, opened (and its folder created) at the first call.</summary>
    public TokenStore Tokens
    {
        get { lock (_gate) return _tokens ??= new TokenStore(TokenDirectory); }
    }

    /// <summary>The token store when it exists already, else null, and then nothing is created (reading a status must not
    /// leave a <c>tokens/</c> folder behind; without one every Outlook server reads <see cref="TokenStatus.Missing"/>).
    /// The folder is looked for once per context (a status of 10,000 saved servers costs one look, not 10,000).</summary>
    public TokenStore? ExistingTokens
    {
        get
        {
            lock (_gate)
            {
                if (_tokens is null && !_lookedForTokens) _tokens = Directory.Exists(TokenDirectory) ? new TokenStore(TokenDirectory) : null;
                _lookedForTokens = true;
                return _tokens;
            }
        }
    }

    bool _lookedForTokens;

    /// <summary>The token store if this context has opened it (for its one-time warning about unprotected files).</summary>
    public TokenStore? OpenedTokens
    {
        get { lock (_gate) return _tokens; }
    }

    /// <summary>The access tokens of this file's servers (reads the configuration for the application settings).</summary>
    public OutlookTokenProvider TokenProvider
    {
        get
        {
            var application = Load().Application;
            var tokens = Tokens;
            lock (_gate) return _provider ??= new OutlookTokenProvider(application, tokens, _apps, _getEnvironment);
        }
    }

    /// <summary>Token status of this file's servers, able to prove it with a refresh (opens the token store).</summary>
    public TokenStatusService TokenStatus
    {
        get
        {
            var provider = TokenProvider;
            lock (_gate) return _status ??= new TokenStatusService(provider.Store, provider);
        }
    }

    /// <summary>Token status from the stored data only, for commands that only read: null when there is no token store
    /// (then <see cref="TokenStatusService.StatusWithoutStore"/>); neither creates the store nor reads the configuration.</summary>
    public TokenStatusService? StoredTokenStatus
    {
        get
        {
            var tokens = ExistingTokens;
            if (tokens is null) return null;
            lock (_gate) return _status ?? (_storedStatus ??= new TokenStatusService(tokens));
        }
    }

    /// <summary>A copy of <paramref name="server"/> to hand on (output, the mail code): it names this file as its
    /// ConfigPath unless it already names its own, so the next command and the token lookup use the right file.</summary>
    public MailServer CopyOf(MailServer server)
    {
        var copy = server.Clone();
        copy.ConfigPath ??= Path;
        return copy;
    }

    /// <summary>The token status of <paramref name="server"/> from the stored tokens only (no network, no store created):
    /// what Get-OutlookMailServer and the configuration cmdlets show.</summary>
    public TokenStatus StoredStatusOf(MailServer server) =>
        StoredTokenStatus?.GetStatus(server) ?? TokenStatusService.StatusWithoutStore(server);

    /// <summary>What Connect-/Disconnect-OutlookAccount do for this file's servers.</summary>
    public AccountService Accounts
    {
        get
        {
            var configuration = Load();
            var status = TokenStatus;
            lock (_gate) return _accounts ??= new AccountService(Path, configuration, status, _apps, _browser);
        }
    }
}
