using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Adds an outgoing (SMTP) or incoming (IMAP) mail server to the configuration.</para>
/// <para type="description">Every parameter binds by property name, so rows of Import-Csv create one server each.
/// Rows are validated as they arrive; the file is saved once at the end with every valid row.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "OutlookMailServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class NewOutlookMailServerCommand : ConfigurationChangeCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Email", "UserPrincipalName", "Mail", "User")]
    public string? Username { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? FromFilter { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Host", "Server", "SmtpServer")]
    public string? HostName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? Sequence { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? Priority { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public ServerAuthentication? Authentication { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public SmtpEncryption? Encryption { get; set; }

    /// <summary>Update a server that already has this name instead of failing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var spec = new ServerSpec
        {
            Name = Name, Username = Username, FromFilter = FromFilter, Direction = Direction, HostName = HostName,
            Port = Port, Sequence = Sequence, Priority = Priority, Authentication = Authentication, Encryption = Encryption,
        };
        var label = $"{spec.Direction ?? MailServerDirection.Outgoing} server '{(string.IsNullOrWhiteSpace(Name) ? Username : Name)}'";
        if (!ShouldProcess(Batch.ConfigPath, $"Add {label}")) return;
        Apply(() => Batch.AddServer(spec, Force), CurrentRow());
    }
}
