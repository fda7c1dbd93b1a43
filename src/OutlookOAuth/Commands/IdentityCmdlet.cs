using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>Base of the account cmdlets: warns once when the first secret or token lands in an unencrypted fallback
/// token store (of any configuration the command opened) and runs sign-ins in the background while the pipeline thread writes their messages
/// (warning + information streams) and answers their prompts. Ctrl+C cancels the sign-in.</summary>
public abstract class IdentityCmdlet : OutlookCmdlet
{
    readonly CancellationTokenSource _stop = new();

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>Writes the token store's one-time warning (the first item stored unencrypted), if one is due.</summary>
    protected void WriteStoreWarnings()
    {
        foreach (var context in Contexts.Opened)
            if (context.OpenedTokens?.TakeWarning() is { } warning) WriteWarning(warning);
    }

    /// <summary>Runs <paramref name="work"/> and relays its messages and prompts on this thread.</summary>
    protected T Run<T>(Func<ISignInInteraction, CancellationToken, Task<T>> work)
    {
        var queue = new InteractionQueue();
        var task = Task.Run(() => work(queue, _stop.Token));
        foreach (var item in queue.Drain(task))
        {
            switch (item)
            {
                case SignInMessage m when m.Kind == SignInMessageKind.BrowserOpened:
                    WriteInformation(new InformationRecord(m.Text, "OutlookOAuth") { Tags = { "SignIn", m.Kind.ToString() } });
                    WriteVerbose(m.Text);
                    break;
                case SignInMessage m:
                    WriteInformation(new InformationRecord(m, "OutlookOAuth") { Tags = { "SignIn", m.Kind.ToString() } });
                    WriteWarning(m.Text);
                    break;
                case PromptRequest p:
                    try { p.Complete(Ask(p.Prompt)); }
                    catch (Exception e) when (e is HostException or PSInvalidOperationException or NotImplementedException) { p.Fail(new OAuthException("NoInteractiveHost", "This session cannot prompt for the redirected URL.", "Run it in an interactive session, or use -DeviceCode or -AppOnly.")); }
                    break;
            }
        }
        try { return task.GetAwaiter().GetResult(); }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { throw new PipelineStoppedException(); }
    }

    string? Ask(string prompt)
    {
        if (!PersonPresent) throw new PSInvalidOperationException("No person can answer a prompt in this session.");
        var fields = new Collection<FieldDescription> { new("RedirectedUrl") { Label = prompt } };
        var answer = Host.UI.Prompt("Outlook sign-in", "Paste the full address of the page the sign-in ended on.", fields);
        return answer.TryGetValue("RedirectedUrl", out var value) ? value?.BaseObject?.ToString() : null;
    }
}
