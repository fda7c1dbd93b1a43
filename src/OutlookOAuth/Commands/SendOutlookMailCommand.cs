using System.Management.Automation;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sends mail through the Outlook server that Odoo's rules choose for the sender, over XOAUTH2: a
/// replacement for Send-MailMessage that needs no password.</para>
/// <para type="description">Each message goes through the server Resolve-OutlookMailServer names for its sender (Odoo's rules,
/// one connection per server, 30 messages per minute per Microsoft 365 mailbox). A message is output once the server accepted
/// it; a failed message, and each recipient refused while others got it, is an error record with the server's reply and a hint.
/// A message of Receive-OutlookMail, a MimeKit message or an .eml file is sent as it is (only -From applies), never turned into
/// a new message. -Journal records each accepted message so that a re-run of an interrupted mailing skips them.</para>
/// </summary>
/// <example><code>Send-OutlookMail -From 'Reports &lt;reports@example.com&gt;' -To bob@example.com -Subject 'Nightly report' -Body $text -Attachment ./report.pdf -ErrorAction Stop</code><para>A runbook step: stops on failure, and on any refused recipient.</para></example>
/// <example><code>Import-Csv mailing.csv | Send-OutlookMail -Subject 'Maintenance tonight' -Body $html -BodyAsHtml -Journal ./mailing.journal</code><para>One message per row (the From, To, Priority, AttachmentPath, MessageId ... columns bind by name); run it again after an interruption and what the server accepted is skipped.</para></example>
[Cmdlet(VerbsCommunications.Send, "OutlookMail", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MailSendResult))]
public sealed class SendOutlookMailCommand : OutlookCmdlet
{
    /// <summary>The sender: an address or "Display Name" &lt;address&gt;. With a ready message, it replaces the message's From.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)][Alias("Sender", "EmailFrom")] public string? From { get; set; }
    /// <summary>Recipients (addresses, or lists separated by commas).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)][Alias("Recipient", "EmailTo")] public string[]? To { get; set; }
    /// <summary>Copy recipients.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? Cc { get; set; }
    /// <summary>Blind copy recipients: they receive the message, no header names them.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? Bcc { get; set; }
    /// <summary>Where replies go.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? ReplyTo { get; set; }
    /// <summary>The subject (one line).</summary>
    [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)] public string? Subject { get; set; }
    /// <summary>The body text (HTML with -BodyAsHtml).</summary>
    [Parameter(Position = 3, ValueFromPipelineByPropertyName = true)] public string? Body { get; set; }
    /// <summary>The body is HTML: the message carries it with a plain-text alternative. From a CSV column: true/false, yes/no or 1/0.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)][SwitchFromText] public SwitchParameter BodyAsHtml { get; set; }
    /// <summary>Files to attach (regular files, streamed from disk); never bound from a pipeline object's properties.</summary>
    [Parameter] public string[]? Attachment { get; set; }
    /// <summary>Files to attach, from a CSV column named AttachmentPath.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string[]? AttachmentPath { get; set; }
    /// <summary>Normal, Low or High (a bad CSV cell is an error naming its row and column).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Priority { get; set; }
    /// <summary>The Message-Id of the new message (left@right, without angle brackets): a stable id per CSV row makes re-runs recognisable.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? MessageId { get; set; }
    /// <summary>An .eml file to send as it is (Get-ChildItem *.eml binds its FullName).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)][Alias("FullName")] public string? MessagePath { get; set; }
    /// <summary>A file recording each accepted message; what it records is skipped, so a re-run sends only the rest.</summary>
    [Parameter] public string? Journal { get; set; }
    /// <summary>Messages per minute per mailbox; default 30 on Microsoft 365 hosts and no pacing elsewhere; 0 turns pacing off.</summary>
    [Parameter][ValidateRange(0, 100000)] public int? MessagesPerMinute { get; set; }
    /// <summary>Limit of each network step, in seconds.</summary>
    [Parameter][ValidateRange(1, 3600)] public int TimeoutSeconds { get; set; } = 60;
    /// <summary>A message of Receive-OutlookMail or a MimeKit message to send as it is; or a piped CSV row (its errors' target).</summary>
    [Parameter(ValueFromPipeline = true)][Alias("Message")] public PSObject? InputObject { get; set; }

    readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    HashSet<string> _commandLine = new(StringComparer.OrdinalIgnoreCase);
    MailSender? _sender;
    int _sent, _failed, _skipped; long _row;

    protected override void BeginProcessing()
    {
        _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        SendJournal? journal = null;
        try { journal = Journal is { } path ? SendJournal.Open(GetUnresolvedProviderPathFromPSPath(path)) : null; } catch (MailSendException e) { ThrowFailure(e, Journal); }
        var connector = new MailClientConnector(new MailClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSeconds), Trust = LoadCertificateTrust() });
        _sender = new MailSender(Contexts, connector, new MailSendOptions { MessagesPerMinute = MessagesPerMinute, Journal = journal },
            VerboseRequested ? Background.Transcript() : null) { Log = Background.Verbose };
    }

    protected override void ProcessRecord()
    {
        var target = MyInvocation.ExpectingInput ? (object?)InputObject : BoundSummary();
        _row += MyInvocation.ExpectingInput ? 1 : 0;
        MailRequest request; PreparedMail mail;
        try
        {
            request = new SendParameters
            {
                From = From, To = To, Cc = Cc, Bcc = Bcc, ReplyTo = ReplyTo, Subject = Subject, Body = Body, BodyAsHtml = BodyAsHtml,
                Attachment = Attachment, AttachmentPath = AttachmentPath, Priority = Priority, MessageId = MessageId, MessagePath = MessagePath,
                Input = InputObject?.BaseObject, FromPipeline = MyInvocation.ExpectingInput, Row = _row, CommandLine = _commandLine,
            }.ToRequest(GetUnresolvedProviderPathFromPSPath);
            LoadConfiguration(); // a file that cannot be read stops the command
            mail = MailComposer.Prepare(request, Context.Senders);
        }
        catch (MailSendException e) { Fail(e, target); return; }

        using (mail)
        {
            if (_sender!.Journaled(request, mail) is { } skipped) { _skipped++; WriteVerbose(skipped); return; }
            if (mail.Resolution.Warning is { } warning && _warned.Add(warning)) WriteWarning(warning);
            if (!ShouldProcess(mail.Describe(), "Send")) return;
            try
            {
                var result = RunInBackground((_, ct) => _sender!.SendAsync(mail, ct));
                _sent++;
                WriteObject(result);
                foreach (var refused in SendFailureHints.RefusedRecipients(result)) WriteFailure(refused, target);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested) { return; }
            catch (OutlookOAuthException e) { Fail(e, target); }
        }
        WriteProgress(new PipelineProgress("Sending mail", $"{_sent} sent, {_failed} failed, {_skipped} skipped (journal)") { CurrentOperation = mail.MessageId });
    }

    protected override void EndProcessing()
    {
        _sender?.Dispose(); // QUIT on each connection: its transcript is written next
        PumpBackground();
        WriteProgressDone("Sending mail");
    }

    protected override void Dispose(bool disposing) { if (disposing) _sender?.Dispose(); base.Dispose(disposing); }

    void Fail(OutlookOAuthException e, object? target) { _failed++; WriteFailure(e, target); }
}
