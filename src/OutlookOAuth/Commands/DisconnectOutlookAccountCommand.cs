using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Removes a server's stored tokens (the server itself stays configured).</para>
/// </summary>
/// <example><code>Disconnect-OutlookAccount -Name jane@example.com -Confirm:$false -PassThru</code><para>Removes the stored tokens; the server stays configured, TokenStatus Missing.</para></example>
[Cmdlet(VerbsCommunications.Disconnect, "OutlookAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class DisconnectOutlookAccountCommand : IdentityCmdlet
{
    /// <summary>The server whose stored tokens are removed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Outgoing or Incoming; needed only when both directions have a server of that name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Output the server (its TokenStatus is then Missing).</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        MailServer? server = null;
        try
        {
            LoadConfiguration(); // a file that cannot be read stops the command
            var accounts = Context.Accounts;
            server = accounts.Find(Name, Direction);
            if (!ShouldProcess($"{server.Username} ({server})", "Remove the stored tokens")) return;
            if (!accounts.Disconnect(server)) WriteVerbose($"{server} had no stored tokens.");
            if (PassThru) WriteObject(accounts.Describe(server));
        }
        catch (OutlookOAuthException e) { WriteFailure(e, (object?)server ?? Name); }
    }
}
