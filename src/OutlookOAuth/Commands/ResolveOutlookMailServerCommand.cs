using System.Management.Automation;
using OutlookOAuth.Selection;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Shows which outgoing server sends a mail from a given sender, and with which From, Reply-To and MAIL FROM.</para>
/// <para type="description">Applies Odoo's choice of mail server (exact address, domain, notifications address, empty
/// filter, first server) to each sender. Reads the configuration once; changes nothing; sends nothing.</para>
/// </summary>
/// <example><code>Import-Csv senders.csv | Resolve-OutlookMailServer | Where-Object FromRewritten</code></example>
[Cmdlet(VerbsDiagnostic.Resolve, "OutlookMailServer")]
[OutputType(typeof(SenderResolution))]
public sealed class ResolveOutlookMailServerCommand : OutlookCmdlet
{
    /// <summary>Senders: a bare address or an RFC 5322 mailbox such as "Jane Doe" &lt;jane@example.com&gt;.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Sender", "EmailFrom", "Email")]
    [ValidateNotNullOrEmpty]
    public string[] From { get; set; } = [];

    MailSenderResolver? _resolver;

    // The configuration is loaded and indexed once per file by its context, at the first record (not in BeginProcessing,
    // so that a -ConfigPath bound from the pipeline is honoured); a record naming another file gets that file's resolver.
    MailSenderResolver Resolver()
    {
        var context = Context;
        MailSenderResolver resolver = null!;
        try { resolver = context.Senders; }
        catch (OutlookOAuthException e) { ThrowFailure(e, context.Path); }
        if (!ReferenceEquals(resolver, _resolver))
            WriteVerbose($"{resolver.Servers.Count} active outgoing server(s) in '{context.Path}'; notifications address: {resolver.NotificationsAddress ?? "(none)"}; bounce address: {resolver.BounceAddress ?? "(none)"}.");
        return _resolver = resolver;
    }

    protected override void ProcessRecord()
    {
        var resolver = Resolver();
        foreach (var sender in From)
        {
            SenderResolution result;
            try
            {
                result = resolver.Resolve(sender);
            }
            catch (InvalidMailboxException e)
            {
                WriteFailure(e, sender);
                continue;
            }
            if (result.Warning is not null) WriteWarning(result.Warning);
            WriteObject(result);
        }
    }
}
