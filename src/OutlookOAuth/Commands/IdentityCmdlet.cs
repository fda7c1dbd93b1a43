using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>Base of the account cmdlets: warns once when the first secret or token lands in an unencrypted fallback
/// token store (of any configuration the command opened) and runs sign-ins in the background while the pipeline thread
/// writes their messages (warning + information streams) and answers their prompts through the base's bridge. Ctrl+C
/// cancels the sign-in.</summary>
public abstract class IdentityCmdlet : OutlookCmdlet
{
    /// <summary>Writes the token store's one-time warning (the first item stored unencrypted), if one is due.</summary>
    protected void WriteStoreWarnings()
    {
        foreach (var context in Contexts.Opened)
            if (context.OpenedTokens?.TakeWarning() is { } warning) WriteWarning(warning);
    }

    /// <summary>Runs a sign-in in the background while this thread writes its messages and answers its prompt
    /// (<see cref="OutlookCmdlet.RunInBackground{T}"/>); Ctrl+C cancels it.</summary>
    protected T Run<T>(Func<ISignInInteraction, CancellationToken, Task<T>> work) =>
        RunInBackground((channel, ct) => work(new PipelineSignInInteraction(channel), ct));
}
