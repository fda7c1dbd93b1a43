using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Changes the given settings of existing mail servers; everything else stays as it is.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "OutlookMailServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class SetOutlookMailServerCommand : ConfigurationChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Which server of that name; needed only when both directions have one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    [Parameter] public string? NewName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Email", "UserPrincipalName", "Mail", "User")]
    public string? Username { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? FromFilter { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Host", "Server", "SmtpServer")]
    public string? HostName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateRange(1, 65535)] public int? Port { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public int? Sequence { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public int? Priority { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public ServerAuthentication? Authentication { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public SmtpEncryption? Encryption { get; set; }
    [Parameter] public bool? Ssl { get; set; }
    [Parameter] public bool? Active { get; set; }

    /// <summary>Output the changed server.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override bool OutputChanges => PassThru;

    protected override void ProcessRecord()
    {
        var row = CurrentRow();
        Apply(() =>
        {
            var direction = ServerLookup.ResolveDirection(Batch.Snapshot, Name, Direction);
            var changes = new ServerSpec
            {
                NewName = NewName, Username = Username, FromFilter = FromFilter, HostName = HostName, Port = Port,
                Sequence = Sequence, Priority = Priority, Authentication = Authentication, Encryption = Encryption,
                Ssl = Ssl, Active = Active,
            };
            return ShouldProcess(Batch.ConfigPath, $"Change {direction} server '{Name}'") ? Batch.SetServer(Name, direction, changes) : null;
        }, row);
    }
}
