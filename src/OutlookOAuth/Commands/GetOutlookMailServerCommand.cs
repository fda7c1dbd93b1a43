using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Lists the configured mail servers, with the state of their tokens.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "OutlookMailServer")]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class GetOutlookMailServerCommand : OutlookCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Prove each token with a real refresh (network) instead of reading its stored state.</summary>
    [Parameter] public SwitchParameter Refresh { get; set; }

    protected override void ProcessRecord()
    {
        OutlookConfiguration config;
        try { config = Store.Load(); }
        catch (ConfigurationFileException e) { ThrowTerminatingError(ToErrorRecord(e, Store.Path)); return; }

        var tokens = Refresh ? TokenStatusService.ForConfiguration(Store.Path, config.Application)
                             : TokenStatusService.OpenExisting(Store.Path, config.Application);
        var servers = config.AllServers.Where(s => Direction is null || s.Direction == Direction).ToList();
        foreach (var pattern in Name ?? ["*"])
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matched = servers.Where(s => wildcard.IsMatch(s.Name)).ToList();
            if (matched.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No {(Direction is null ? "" : Direction.ToString()!.ToLowerInvariant() + " ")}server named '{pattern}' exists in '{Store.Path}'."),
                    "ServerNotFound", ErrorCategory.ObjectNotFound, pattern));
            foreach (var server in matched)
            {
                var copy = server.Clone();
                copy.ConfigPath = Store.Path;
                copy.TokenStatus = tokens?.GetStatus(copy) ?? TokenStatusService.StatusWithoutStore(copy);
                if (Refresh && copy.UsesOutlookOAuth && copy.TokenStatus != TokenStatus.Missing)
                {
                    try { copy.TokenStatus = tokens!.RefreshAsync(copy, CancellationToken.None).GetAwaiter().GetResult(); }
                    catch (OAuthException e) { copy.TokenStatus = tokens!.GetStatus(copy); WriteError(ToErrorRecord(e, copy)); }
                }
                WriteObject(copy);
            }
        }
    }
}
