using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Changes the given settings of existing mail servers; everything else stays as it is.</para>
/// </summary>
/// <example><code>Get-OutlookMailServer -Name *@example.com | Set-OutlookMailServer -Sequence 20</code><para>Changes only the sequence of the matching servers; everything else stays.</para></example>
[Cmdlet(VerbsCommon.Set, "OutlookMailServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class SetOutlookMailServerCommand : ConfigurationChangeCmdlet
{
    /// <summary>The server to change (binds from server objects).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Which server of that name; needed only when both directions have one.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>A new name for the server.</summary>
    [Parameter] public string? NewName { get; set; }

    /// <summary>A new username (an Outlook server whose FROM filter was its username keeps the two together).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Email", "UserPrincipalName", "Mail", "User")]
    public string? Username { get; set; }

    /// <summary>New FROM filter: comma-separated addresses and/or domains.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? FromFilter { get; set; }

    /// <summary>New host.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Host", "Server", "SmtpServer")]
    public string? HostName { get; set; }

    /// <summary>New port (1-65535).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ValidateRange(1, 65535)] public int? Port { get; set; }
    /// <summary>New sequence (outgoing; lower wins).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public int? Sequence { get; set; }
    /// <summary>New priority (incoming; lower is fetched first).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public int? Priority { get; set; }
    /// <summary>Outlook or Password (outgoing).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public ServerAuthentication? Authentication { get; set; }
    /// <summary>StartTls, Ssl or None (outgoing; Outlook needs StartTls).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public SmtpEncryption? Encryption { get; set; }
    /// <summary>SSL on or off (incoming; Outlook needs it on).</summary>
    [Parameter] public bool? Ssl { get; set; }
    /// <summary>Enable ($true) or disable ($false) the server; inactive servers are never chosen.</summary>
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
