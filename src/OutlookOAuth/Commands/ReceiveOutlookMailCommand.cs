using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Receiving;
using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Receives mail from incoming (IMAP) servers: unread messages of INBOX, oldest first, at most 50 per server;
/// a message is marked read only after it was saved (-Destination) and the rest of the pipeline has processed it.</para>
/// <para type="description">Each message is an object with Uid, MessageId, From, To, Subject, Date, Size, Attachments, the server and
/// the parsed message (Message, a MimeKit MimeMessage). A message counts as failed, and it and every one after it stay unread and
/// come again next time, when a later command ends the pipeline with a terminating error: throw, a cmdlet under -ErrorAction Stop or
/// $ErrorActionPreference = 'Stop', Write-Error -ErrorAction Stop, a .NET method's exception under Stop or in try/catch; or Ctrl+C.
/// A non-terminating error (Write-Error, a failed cmdlet without Stop) does not count: the message is marked read. A message that
/// cannot be fetched or parsed is reported once as an error (its raw bytes saved under -Destination) and the others go on;
/// -FailedFolder moves it aside first. Two receives of one mailbox on one machine run one after the other. So put -ErrorAction Stop
/// on the commands that process a message, and save attachments with Save-OutlookMailAttachment, never under the name the sender chose.</para>
/// </summary>
/// <example><code>Receive-OutlookMail -Name inbox@example.com -Destination ./inbox</code><para>Saves each new message as an .eml (a stable name: a re-run replaces, never duplicates) and marks it read.</para></example>
/// <example><code>Receive-OutlookMail -Name inbox@example.com | Save-OutlookMailAttachment -Destination ./files -ErrorAction Stop</code><para>Files the attachments under safe, unique names; a message whose attachments cannot be saved stops the pipeline and stays unread.</para></example>
/// <example><code>Get-OutlookMailServer -Direction Incoming | Receive-OutlookMail -Peek -All -Since (Get-Date).AddDays(-1)</code><para>Lists the last day's mail of every incoming server without changing anything.</para></example>
[Cmdlet(VerbsCommunications.Receive, "OutlookMail", DefaultParameterSetName = "Name", SupportsShouldProcess = true)]
[OutputType(typeof(ReceivedMessage))]
public sealed class ReceiveOutlookMailCommand : OutlookCmdlet
{
    /// <summary>Incoming server objects, e.g. from Get-OutlookMailServer.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public MailServer[]? InputObject { get; set; }

    /// <summary>Names of incoming servers (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.IncomingServerNameCompleter))]
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

    /// <summary>Move a message that cannot be fetched or parsed to this folder (created when missing), so the next run goes on without it.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? FailedFolder { get; set; }

    /// <summary>Limit of each network step, in seconds.</summary>
    [Parameter] [ValidateRange(1, 600)] public int TimeoutSeconds { get; set; } = 30;

    MailReceiver? _receiver;
    bool _verbose, _prepared;
    string? _destination;

    protected override void BeginProcessing()
    {
        _receiver = new MailReceiver(Contexts, new MailClientOptions { Timeout = TimeSpan.FromSeconds(TimeoutSeconds), Trust = LoadCertificateTrust() });
        _verbose = VerboseRequested;
        _destination = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
        try { if (_destination is not null) DestinationFolder.CheckNotFile(_destination); } // also under -WhatIf
        catch (OutlookOAuthException e) { ThrowFailure(e, _destination); }
    }

    protected override void ProcessRecord()
    {
        var servers = ParameterSetName == "Name" ? MatchServers(LoadConfiguration(), Name, MailServerDirection.Incoming) : InputObject ?? [];
        foreach (var server in servers)
        {
            if (server is IncomingMailServer incoming) Receive((IncomingMailServer)Context.CopyOf(incoming));
            else WriteFailure(MailReceiver.NotIncoming(server), server);
        }
    }

    void Receive(IncomingMailServer server)
    {
        var options = new ReceiveOptions
        {
            Folder = Folder, Since = ReceiveOptions.LocalTime(Since),
            All = All, Peek = Peek, Limit = Limit, MoveTo = MoveTo, FailedFolder = FailedFolder, Destination = _destination,
        };
        if (!Peek && !ShouldProcess($"{server.Name} ({server.Username}, folder {Folder})",
                MoveTo is null ? "Receive mail and mark it read" : $"Receive mail and move it to '{MoveTo}'"))
            return;
        try
        {
            // A destination that cannot take files stops the command before anything is fetched or marked read.
            if (_destination is not null && !_prepared) _prepared = DestinationFolder.Prepare(_destination) is not null;
            // In the background: a message counts as accepted only once WriteObject returned for it (PipelineReceiveSink
            // waits for that), so a later command's terminating error, or Select-Object -First, loses nothing.
            RunInBackground((channel, ct) =>
            {
                var summary = _receiver!.Receive(server, options, new PipelineReceiveSink(channel),
                    _verbose ? channel.Transcript($"[{server.Name}] ") : null, ct, channel.Warning);
                if (summary.Warning is { } warning) channel.Warning(warning);
                channel.Verbose(summary.ToString());
                return Task.FromResult(summary);
            });
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested) { return; }
        catch (OutlookOAuthException e) when (e.ErrorId.StartsWith("Destination", StringComparison.Ordinal)) { ThrowFailure(e, _destination); }
        catch (OutlookOAuthException e) { WriteFailure(e, server); }
        finally { WriteProgressDone(PipelineReceiveSink.Activity); }
    }
}
