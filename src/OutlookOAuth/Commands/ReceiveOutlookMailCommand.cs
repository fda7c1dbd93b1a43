using System.Management.Automation;
using System.Runtime.ExceptionServices;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Receiving;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Receives mail from incoming (IMAP) servers: unread messages of INBOX, oldest first, at most 50 per server;
/// a message is marked read only after it was saved (-Destination) and the rest of the pipeline has processed it.</para>
/// <para type="description">Each message is an object with Uid, MessageId, From, To, Subject, Date, Size, Attachments, the server and
/// the parsed message (Message, a MimeKit MimeMessage). If a later command throws or the pipeline stops, that message and every one
/// after it stay unread and come again next time. A message that cannot be parsed is an error; the others go on.</para>
/// </summary>
/// <example><code>Receive-OutlookMail -Name support@example.com -Destination ./inbox</code><para>Saves each new message as an .eml (a stable name: a re-run replaces, never duplicates) and marks it read.</para></example>
/// <example><code>Receive-OutlookMail -Name support@example.com | ForEach-Object { $_.Message.Attachments | ForEach-Object { $_.Content.DecodeTo([IO.File]::Create("./files/$($_.FileName)")) } }</code><para>Files the attachments; a message whose processing throws stays unread.</para></example>
/// <example><code>Get-OutlookMailServer -Direction Incoming | Receive-OutlookMail -Peek -All -Since (Get-Date).AddDays(-1)</code><para>Lists the last day's mail of every incoming server without changing anything.</para></example>
[Cmdlet(VerbsCommunications.Receive, "OutlookMail", DefaultParameterSetName = "Name", SupportsShouldProcess = true)]
[OutputType(typeof(ReceivedMessage))]
public sealed class ReceiveOutlookMailCommand : OutlookCmdlet, IDisposable
{
    /// <summary>Incoming server objects, e.g. from Get-OutlookMailServer.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public MailServer[]? InputObject { get; set; }

    /// <summary>Names of incoming servers (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The folder to read (default INBOX; subfolders with the server's separator, e.g. INBOX/Invoices).</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string Folder { get; set; } = "INBOX";

    /// <summary>Only messages received at or after this time.</summary>
    [Parameter] public DateTime? Since { get; set; }

    /// <summary>Read messages too (default: only unread ones).</summary>
    [Parameter] public SwitchParameter All { get; set; }

    /// <summary>Change nothing on the server: messages stay unread and are not moved.</summary>
    [Parameter] public SwitchParameter Peek { get; set; }

    /// <summary>At most this many messages per server per call, oldest first (0: no limit).</summary>
    [Parameter] [ValidateRange(0, int.MaxValue)] public int Limit { get; set; } = ReceiveOptions.DefaultLimit;

    /// <summary>A folder where each message is saved as an .eml before it goes down the pipeline (adds Path).</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? Destination { get; set; }

    /// <summary>Move each processed message to this folder (marked read) instead of only marking it read.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? MoveTo { get; set; }

    /// <summary>Limit of each network step, in seconds.</summary>
    [Parameter] [ValidateRange(1, 600)] public int TimeoutSeconds { get; set; } = 30;

    readonly CancellationTokenSource _stop = new();
    readonly TranscriptQueue _transcript = new();
    MailReceiver? _receiver;
    bool _verbose;

    protected override void BeginProcessing()
    {
        _receiver = new MailReceiver(Contexts,
            new MailClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSeconds), Trust = LoadCertificateTrust() });
        _verbose = VerboseRequested;
    }

    protected override void ProcessRecord()
    {
        var servers = ParameterSetName == "Name" ? MatchServers(LoadConfiguration(), Name, MailServerDirection.Incoming) : InputObject ?? [];
        foreach (var server in servers)
        {
            if (server is not IncomingMailServer incoming)
            {
                WriteFailure(MailReceiver.NotIncoming(server), server);
                continue;
            }
            var copy = (IncomingMailServer)incoming.Clone();
            copy.ConfigPath ??= Context.Path;
            Receive(copy);
        }
    }

    void Receive(IncomingMailServer server)
    {
        var options = new ReceiveOptions
        {
            Folder = Folder, Since = Since is { } s ? new DateTimeOffset(s.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(s, DateTimeKind.Local) : s) : null,
            All = All, Peek = Peek, Limit = Limit, MoveTo = MoveTo,
            Destination = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination),
        };
        if (!Peek && !ShouldProcess($"{server.Name} ({server.Username}, folder {Folder})",
                MoveTo is null ? "Receive mail and mark it read" : $"Receive mail and move it to '{MoveTo}'"))
            return;
        var sink = new Sink(this, server);
        try
        {
            var summary = _receiver!.Receive(server, options, sink, _verbose ? _transcript : null, _stop.Token);
            FlushTranscript(server);
            if (summary.UidValidityChanged)
                WriteWarning($"The folder '{summary.Folder}' of '{server.Name}' was rebuilt on the server (UIDVALIDITY changed) while receiving; " +
                             "messages not yet marked read stay unread and come again next time.");
            WriteVerbose($"[{server.Name}] {summary.Delivered} of {summary.Found} messages received, {summary.Committed} marked read{(MoveTo is null ? "" : " and moved")}, {summary.Failed} failed.");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
        catch (OutlookOAuthException e)
        {
            FlushTranscript(server);
            WriteFailure(e, server);
        }
        finally
        {
            WriteProgressDone();
        }
        // The pipeline asked to stop after accepting a message (Select-Object -First): let it stop.
        if (sink.Stopped is { } stopped) ExceptionDispatchInfo.Throw(stopped);
    }

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose() => _stop.Dispose();

    void FlushTranscript(IncomingMailServer server)
    {
        while (_transcript.TryDequeue(out var entry)) WriteVerbose($"[{server.Name}] {entry}");
    }

    void WriteProgressDone()
    {
        if (_stop.IsCancellationRequested) return;
        try { WriteProgress(new ProgressRecord(1, "Receiving mail", "Done") { RecordType = ProgressRecordType.Completed }); }
        catch (PipelineStoppedException) { }
    }

    /// <summary>Writes the receiver's results to the pipeline (on the pipeline thread: <see cref="MailReceiver.Receive"/> calls it there).
    /// WriteObject returns only after every later command of a streaming pipeline has processed the object, so returning normally
    /// is what makes a message safe to mark read.</summary>
    sealed class Sink(ReceiveOutlookMailCommand cmdlet, IncomingMailServer server) : IReceiveSink
    {
        /// <summary>Set when a later command (Select-Object -First) stopped the pipeline after processing a message.</summary>
        public Exception? Stopped { get; private set; }

        public bool Deliver(ReceivedMessage message)
        {
            cmdlet.FlushTranscript(server);
            try
            {
                cmdlet.WriteObject(message);
                return true;
            }
            // Select-Object -First N stops its upstream after it passed the object on: WriteObject then throws
            // PipelineStoppedException while the pipeline itself is not stopping (no Ctrl+C, StopProcessing not called). The
            // object was processed; the rest must stay. Ctrl+C (Stopping) or a downstream error means it was not processed.
            catch (PipelineStoppedException e) when (!cmdlet.Stopping && !cmdlet._stop.IsCancellationRequested)
            {
                Stopped = e;
                return false;
            }
        }

        public void Failed(MessageReceiveException error)
        {
            cmdlet.FlushTranscript(server);
            cmdlet.WriteFailure(error, error.Partial);
        }

        long _lastProgress;

        public void Progress(ReceiveProgress p)
        {
            // At most four progress records a second (a record per message costs more than receiving it).
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (p.Done != 0 && p.Done != p.Total && System.Diagnostics.Stopwatch.GetElapsedTime(_lastProgress, now) < TimeSpan.FromMilliseconds(250)) return;
            _lastProgress = now;
            var record = new ProgressRecord(1, "Receiving mail", $"{p.Server} ({p.Folder}): {p.Done} of {p.Total} messages, {p.Committed} marked read")
                { PercentComplete = p.Total == 0 ? 100 : Math.Min(100, 100 * p.Done / p.Total) };
            cmdlet.WriteProgress(record);
        }
    }
}
