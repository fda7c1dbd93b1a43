using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Pipeline;
using OutlookOAuth.Security;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sends mail through the Outlook server that Odoo's rules choose for the sender, over XOAUTH2: a
/// replacement for Send-MailMessage that needs no password.</para>
/// <para type="description">Each message goes through the server Resolve-OutlookMailServer names for its sender (exact
/// address, domain, notifications address, server without a filter). When the sender has no server of its own, From becomes
/// "Sender Name" &lt;notifications address&gt; and Reply-To keeps the sender; MAIL FROM is the bounce address when the server's
/// FROM filter accepts it. A pipeline keeps one authenticated connection per server and paces each Microsoft 365 mailbox to
/// 30 messages per minute (-MessagesPerMinute). A message is output only once the server accepted its data; a failed message
/// is an error record with the server's reply and a hint, and the others go on. A message, or an .eml file, can be sent as it is.</para>
/// </summary>
/// <example><code>Send-OutlookMail -From 'Reports &lt;reports@contoso.com&gt;' -To ops@contoso.com -Subject 'Nightly report' -Body $text -Attachment ./report.pdf -ErrorAction Stop</code><para>A runbook step: stops on failure.</para></example>
/// <example><code>Import-Csv mailing.csv | Send-OutlookMail -Subject 'Maintenance tonight' -Body $html -BodyAsHtml</code><para>One message per row; the CSV's From and To columns bind by name.</para></example>
/// <example><code>Get-ChildItem ./outbox/*.eml | Send-OutlookMail -WhatIf</code><para>Shows the server, From and envelope of each saved message and sends nothing.</para></example>
[Cmdlet(VerbsCommunications.Send, "OutlookMail", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MailSendResult))]
public sealed class SendOutlookMailCommand : OutlookCmdlet
{
    /// <summary>The sender: an address or "Display Name" &lt;address&gt;. For a message or .eml file, its From header when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Sender", "EmailFrom")]
    public string? From { get; set; }

    /// <summary>Recipients (addresses, or lists separated by commas).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Recipient", "EmailTo")]
    public string[]? To { get; set; }

    /// <summary>Copy recipients.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Cc { get; set; }

    /// <summary>Blind copy recipients: they receive the message, no header names them.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Bcc { get; set; }

    /// <summary>Where replies go.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? ReplyTo { get; set; }

    /// <summary>The subject.</summary>
    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
    public string? Subject { get; set; }

    /// <summary>The body text (HTML with -BodyAsHtml).</summary>
    [Parameter(Position = 3, ValueFromPipelineByPropertyName = true)]
    public string? Body { get; set; }

    /// <summary>The body is HTML: the message carries it with a plain-text alternative. From a CSV column: true/false, yes/no or 1/0.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [SwitchFromText]
    public SwitchParameter BodyAsHtml { get; set; }

    /// <summary>Files to attach; streamed from disk, so their size does not matter for memory.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Attachments")]
    public string[]? Attachment { get; set; }

    /// <summary>Normal, Low or High.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailPriority Priority { get; set; } = MailPriority.Normal;

    /// <summary>An .eml file to send as it is (Get-ChildItem *.eml binds its FullName).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string? MessagePath { get; set; }

    /// <summary>Messages per minute per mailbox; default 30 on Microsoft 365 hosts and no pacing elsewhere; 0 turns pacing off.</summary>
    [Parameter]
    [ValidateRange(0, 100000)]
    public int? MessagesPerMinute { get; set; }

    /// <summary>Limit of each network step, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>The pipeline object itself: a CSV row (the other parameters bind from its properties; it is the error's
    /// TargetObject), or a MimeKit message to send as it is.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    const string Activity = "Sending mail";
    MailSender? _sender;
    int _sent, _failed;

    protected override void BeginProcessing()
    {
        var connector = new MailClientConnector(new MailClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSeconds), Trust = LoadCertificateTrust() });
        _sender = new MailSender(Contexts, connector,
            new MailSendOptions { MessagesPerMinute = MessagesPerMinute }, VerboseRequested ? Background.Transcript() : null) { Log = Background.Verbose };
    }

    protected override void ProcessRecord()
    {
        var row = MyInvocation.ExpectingInput ? InputObject : null;
        var target = (object?)row ?? BoundSummary();
        PreparedMail mail;
        try { mail = MailComposer.Prepare(Request(row), Resolver()); }
        catch (MailSendException e) { Fail(e, target); return; }

        using (mail)
        {
            if (mail.Resolution.Warning is { } warning && _warned.Add(warning)) WriteWarning(warning);
            if (!ShouldProcess(mail.Describe(), "Send")) return;
            try
            {
                var result = RunInBackground((_, ct) => _sender!.SendAsync(mail, ct));
                _sent++;
                WriteObject(result);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested) { return; }
            catch (OutlookOAuthException e) { Fail(e, target); }
        }
        WriteProgress(new PipelineProgress(Activity, $"{_sent} sent, {_failed} failed") { CurrentOperation = mail.MessageId });
    }

    protected override void EndProcessing()
    {
        _sender?.Dispose(); // QUIT on each connection: its transcript is written next
        PumpBackground();
        WriteProgress(new PipelineProgress(Activity, "Done") { Completed = true });
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _sender?.Dispose();
        base.Dispose(disposing);
    }

    MailRequest Request(PSObject? row)
    {
        var baseObject = row?.BaseObject;
        var message = MailComposer.IsMessage(baseObject) ? baseObject : null;
        var eml = MessagePath is { } p ? GetUnresolvedProviderPathFromPSPath(p) : null;
        return new MailRequest
        {
            From = From,
            To = To ?? [],
            Cc = Cc ?? [],
            Bcc = Bcc ?? [],
            ReplyTo = ReplyTo ?? [],
            Subject = Subject,
            Body = Body,
            BodyAsHtml = BodyAsHtml,
            Attachments = (Attachment ?? []).Where(a => !string.IsNullOrWhiteSpace(a)).Select(GetUnresolvedProviderPathFromPSPath).ToArray(),
            Priority = Priority,
            Message = message,
            MessagePath = message is null ? eml : null,
            Source = row,
        };
    }

    MailSenderResolver Resolver()
    {
        LoadConfiguration(); // a file that cannot be read stops the command
        return Context.Senders;
    }

    void Fail(OutlookOAuthException e, object target)
    {
        _failed++;
        WriteFailure(e, target);
    }
}
