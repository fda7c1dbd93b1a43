using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Removes mail servers from the configuration.</para>
/// </summary>
/// <example><code>Remove-OutlookMailServer -Name old@example.com -Confirm:$false</code><para>Removes a server without asking (the default asks: ConfirmImpact High).</para></example>
[Cmdlet(VerbsCommon.Remove, "OutlookMailServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class RemoveOutlookMailServerCommand : ConfigurationChangeCmdlet
{
    /// <summary>The server to remove.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Which server of that name; needed only when both directions have one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Output the removed server.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override bool OutputChanges => PassThru;

    protected override void ProcessRecord()
    {
        var row = CurrentRow();
        Apply(() =>
        {
            var given = ReadRow(new ServerSpec { Direction = Direction }).Direction;
            var direction = ServerLookup.ResolveDirection(Batch.Snapshot, Name, given);
            return Batch.RemoveServer(Name, direction, _ => Decide($"Remove {direction.ToString().ToLowerInvariant()} server '{Name}'"), row);
        }, row);
    }
}
