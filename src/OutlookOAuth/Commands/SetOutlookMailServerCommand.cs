using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Changes the given settings of existing mail servers; everything else stays as it is.</para>
/// <para type="description">A setting given on the command line that a piped server's direction does not have
/// (-Sequence, -FromFilter, -Encryption for incoming servers; -Priority, -Ssl for outgoing ones) is not applied to that
/// server, with one warning per pipeline; the same setting in a CSV row is an error. Changed servers are saved once at
/// the end; -PassThru outputs them only then.</para>
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
    [ServerField("Direction")] public MailServerDirection? Direction { get; set; }

    /// <summary>A new name for the server.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? NewName { get; set; }

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
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Port")] public int? Port { get; set; }
    /// <summary>New sequence (outgoing; lower wins).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Sequence")] public int? Sequence { get; set; }
    /// <summary>New priority (incoming; lower is fetched first).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Priority")] public int? Priority { get; set; }
    /// <summary>Outlook or Password (outgoing).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Authentication")] public ServerAuthentication? Authentication { get; set; }
    /// <summary>StartTls, Ssl or None (outgoing; Outlook needs StartTls).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Encryption")] public SmtpEncryption? Encryption { get; set; }
    /// <summary>SSL on or off (incoming; Outlook needs it on).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Ssl")] public bool? Ssl { get; set; }
    /// <summary>Enable ($true) or disable ($false) the server; inactive servers are never chosen.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [ServerField("Active")] public bool? Active { get; set; }

    /// <summary>Output the changed server.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override bool OutputChanges => PassThru;

    readonly Dictionary<string, List<string>> _notApplied = new();

    protected override void ProcessRecord()
    {
        var row = CurrentRow();
        Apply(() =>
        {
            var changes = ReadRow(new ServerSpec
            {
                Direction = Direction, NewName = NewName, Username = Username, FromFilter = FromFilter, HostName = HostName, Port = Port,
                Sequence = Sequence, Priority = Priority, Authentication = Authentication, Encryption = Encryption, Ssl = Ssl, Active = Active,
            });
            var direction = ServerLookup.ResolveDirection(Batch.Snapshot, Name, changes.Direction);
            // A command-line setting meant for the other direction is skipped for this server (e.g. -Sequence on the
            // incoming server of "Get-OutlookMailServer | Set-OutlookMailServer -Sequence 20"); from a row it is an error.
            if (MyInvocation.ExpectingInput)
            {
                var skipped = changes.NotFor(direction).Where(FromCommandLine).ToList();
                // A server object brings its own values; only what the command line asks changes it.
                var asked = ServerRow.Fields.Where(f => f is not (nameof(Name) or nameof(Direction)) && FromCommandLine(f)).ToList();
                if (!IsRow && skipped.Count > 0 && asked.All(skipped.Contains)) changes = new ServerSpec();
                foreach (var field in skipped)
                {
                    ServerRow.Clear(changes, field);
                    var key = $"-{field}|{direction}";
                    if (!_notApplied.TryGetValue(key, out var names)) _notApplied[key] = names = new();
                    names.Add(Name);
                }
                if (changes.IsEmpty) return null;
            }
            return Batch.SetServer(Name, direction, changes, _ => Decide($"Change {direction.ToString().ToLowerInvariant()} server '{Name}'"), row);
        }, row);
    }

    protected override void EndProcessing()
    {
        foreach (var (key, names) in _notApplied)
        {
            var (parameter, direction) = (key.Split('|')[0], key.Split('|')[1].ToLowerInvariant());
            var instead = parameter switch { "-Sequence" => " (incoming servers are ordered by -Priority, as Odoo's fetchmail servers)", "-Priority" => " (outgoing servers are ordered by -Sequence)", _ => "" };
            WriteWarning($"{parameter} does not apply to {direction} servers{instead}; not applied to {names.Count} {direction} server(s): " +
                         string.Join(", ", names.Take(10).Select(n => $"'{n}'")) + (names.Count > 10 ? ", ..." : "") + ".");
        }
        base.EndProcessing();
    }
}
