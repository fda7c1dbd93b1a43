using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Lists the configured mail servers, with the state of their tokens.</para>
/// </summary>
/// <example><code>Get-OutlookMailServer -Direction Outgoing | Where-Object TokenStatus -ne Valid</code><para>Outgoing servers whose account is not connected or whose token needs a refresh.</para></example>
/// <example><code>Get-OutlookMailServer -Name *@example.com -Refresh</code><para>Proves each token with a real refresh instead of reading its stored state.</para></example>
[Cmdlet(VerbsCommon.Get, "OutlookMailServer")]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class GetOutlookMailServerCommand : OutlookCmdlet
{
    /// <summary>Server names to show (wildcards allowed); all when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only outgoing (SMTP) or only incoming (IMAP) servers.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Prove each token with a real refresh (network) instead of reading its stored state.</summary>
    [Parameter] public SwitchParameter Refresh { get; set; }

    protected override void ProcessRecord()
    {
        var config = LoadConfiguration();

        var context = Context;
        foreach (var server in MatchServers(config, Name, Direction))
        {
            var copy = context.CopyOf(server);
            copy.TokenStatus = Refresh ? context.TokenStatus.GetStatus(copy) : context.StoredStatusOf(copy);
            if (Refresh && copy.UsesOutlookOAuth && copy.TokenStatus != TokenStatus.Missing)
            {
                try { copy.TokenStatus = RunInBackground((_, ct) => context.TokenStatus.RefreshAsync(copy, ct)); }
                catch (OutlookOAuthException e) { copy.TokenStatus = context.TokenStatus.GetStatus(copy); WriteFailure(e, copy); }
            }
            WriteObject(copy);
        }
    }
}
