using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Adds an outgoing (SMTP) or incoming (IMAP) mail server to the configuration.</para>
/// <para type="description">Every parameter binds by property name, so rows of Import-Csv create one server each.
/// Each row is read as a whole: a blank cell means "not given", a value that does not convert is an error naming the row,
/// the column and the value. Rows are validated as they arrive; the file is saved once at the end with every valid row,
/// and only then are the saved servers written to the pipeline.</para>
/// </summary>
/// <example><code>New-OutlookMailServer -Username notifications@example.com</code><para>One Outlook notifications server: smtp.office365.com:587 STARTTLS, FROM filter = the username.</para></example>
/// <example><code>Import-Csv users.csv | New-OutlookMailServer -WhatIf</code><para>Shows the servers a CSV with an Email (or UserPrincipalName) column would add, without writing.</para></example>
[Cmdlet(VerbsCommon.New, "OutlookMailServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class NewOutlookMailServerCommand : ConfigurationChangeCmdlet
{
    /// <summary>Creates the file -ConfigPath names when it is missing.</summary>
    protected override bool CreatesConfiguration => true;

    /// <summary>A name unique among the servers of its direction (case-insensitive). Default: the username.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary>The Microsoft 365 address that signs in (XOAUTH2 user). Required for Outlook servers.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Email", "UserPrincipalName", "Mail", "User")]
    public string? Username { get; set; }

    /// <summary>Comma-separated addresses and/or domains this server sends for; empty matches every sender. Default for an Outlook outgoing server: its username.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? FromFilter { get; set; }

    /// <summary>Outgoing (SMTP, the default) or Incoming (IMAP).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Direction")] public MailServerDirection? Direction { get; set; }

    /// <summary>The server host. Default: smtp.office365.com (outgoing) or outlook.office365.com (incoming).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Host", "Server", "SmtpServer")]
    public string? HostName { get; set; }

    /// <summary>1-65535 (checked with the rest of the server, so a CSV cell out of range names its row). Default: 587 (starttls), 465 (ssl), 25 (none) for outgoing; 993 for incoming.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Port")] public int? Port { get; set; }

    /// <summary>Outgoing only: lower wins when several servers match a sender. Default 10.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Sequence")] public int? Sequence { get; set; }

    /// <summary>Incoming only: lower is fetched first. Default 5.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Priority")] public int? Priority { get; set; }

    /// <summary>Outgoing only: Outlook (XOAUTH2 with Entra tokens, the default) or Password (a non-Microsoft relay).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Authentication")] public ServerAuthentication? Authentication { get; set; }

    /// <summary>Outgoing only: StartTls (the default, required for Outlook), Ssl or None.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Encryption")] public SmtpEncryption? Encryption { get; set; }

    /// <summary>Incoming only: SSL on (the default, required for Outlook).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Ssl")] public bool? Ssl { get; set; }

    /// <summary>$false adds the server disabled (never chosen, never fetched). Default $true.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ServerField("Active")] public bool? Active { get; set; }

    /// <summary>Update a server that already has this name instead of failing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var row = CurrentRow();
        Apply(() =>
        {
            var spec = ReadRow(new ServerSpec
            {
                Name = Name, Username = Username, FromFilter = FromFilter, Direction = Direction, HostName = HostName, Port = Port,
                Sequence = Sequence, Priority = Priority, Authentication = Authentication, Encryption = Encryption, Ssl = Ssl, Active = Active,
            });
            return Batch.AddServer(spec, Force, s => Decide($"Add {s.Direction.ToString().ToLowerInvariant()} server '{s.Name}'"), row);
        }, row);
    }
}
