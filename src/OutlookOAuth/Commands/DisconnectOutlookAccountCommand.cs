using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Removes a server's stored tokens (the server itself stays configured).</para>
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "OutlookAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class DisconnectOutlookAccountCommand : IdentityCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Output the server (its TokenStatus is then Missing).</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        MailServer? server = null;
        try
        {
            var accounts = Accounts();
            server = accounts.Find(Name, Direction);
            if (!ShouldProcess($"{server.Username} ({server})", "Remove the stored tokens")) return;
            if (!accounts.Disconnect(server)) WriteVerbose($"{server} had no stored tokens.");
            if (PassThru) WriteObject(accounts.Describe(server));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            Fail(e, (object?)server ?? Name);
        }
    }
}
