using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>Base of the account cmdlets: opens the token store of the configuration (warning once, when the first
/// secret or token lands in an unencrypted fallback store) and runs sign-ins in the background while the pipeline thread writes their messages
/// (warning + information streams) and answers their prompts through the base's bridge. Ctrl+C cancels the sign-in.</summary>
public abstract class IdentityCmdlet : OutlookCmdlet
{
    readonly Dictionary<string, AccountService> _services = new(StringComparer.Ordinal);
    readonly List<TokenStore> _stores = new();

    /// <summary>The account service of the current -ConfigPath (one per path and pipeline).</summary>
    protected AccountService Accounts()
    {
        var path = Store.Path;
        if (_services.TryGetValue(path, out var service)) return service;
        service = new AccountService(path, LoadConfiguration());
        _stores.Add(service.Store);
        return _services[path] = service;
    }

    protected TokenStore OpenTokenStore()
    {
        var store = TokenStore.ForConfiguration(Store.Path);
        _stores.Add(store);
        return store;
    }

    /// <summary>Writes the token store's one-time warning (the first item stored unencrypted), if one is due.</summary>
    protected void WriteStoreWarnings()
    {
        foreach (var store in _stores)
            if (store.TakeWarning() is { } warning) WriteWarning(warning);
    }

    /// <summary>Runs a sign-in in the background while this thread writes its messages and answers its prompt
    /// (<see cref="OutlookCmdlet.RunInBackground{T}"/>); Ctrl+C cancels it.</summary>
    protected T Run<T>(Func<ISignInInteraction, CancellationToken, Task<T>> work) =>
        RunInBackground((channel, ct) => work(new PipelineSignInInteraction(channel), ct));

    /// <summary>Writes a failure of one server as a non-terminating error with the server as target.</summary>
    protected void Fail(Exception e, object target)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        if (e is OperationCanceledException) throw new PipelineStoppedException();
        if (e is PipelineStoppedException) throw e;
        // Anything else, expected or not, is still an error record with a stable id (OutlookOAuthError), never a
        // System.* id that a runbook cannot match.
        WriteError(ToErrorRecord(e, target));
    }
}
