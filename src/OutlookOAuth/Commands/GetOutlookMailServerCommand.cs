using System.Management.Automation;
using OutlookOAuth.Configuration;

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

    protected override void ProcessRecord()
    {
        OutlookConfiguration config;
        try { config = Store.Load(); }
        catch (ConfigurationFileException e) { ThrowTerminatingError(ToErrorRecord(e, Store.Path)); return; }

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
                WriteObject(copy);
            }
        }
    }
}
