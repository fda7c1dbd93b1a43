using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>
/// Receives mail from an incoming server without ever losing a message (unlike Odoo's fetchmail, which flags a message
/// \Seen even when processing it failed). UID SEARCH (unseen, or all; since a date) in the folder, oldest first, at most
/// <see cref="ReceiveOptions.Limit"/>; then per batch one UID FETCH of envelope, size, internal date and body structure, one
/// FETCH of the bodies (BODY.PEEK[], so fetching never flags), each body saved as an .eml (temp name, flushed, renamed) and
/// parsed, handed to the <see cref="IReceiveSink"/>, and only what the sink accepted is flagged \Seen (or moved) with one
/// UID STORE (and one UID MOVE) per batch. A sink that throws leaves that message and every later one unseen.
/// </summary>
/// <remarks><see cref="Receive"/> is synchronous on purpose: it blocks on the network on the caller's thread, so the sink
/// runs on that thread and may block there (the cmdlet's <see cref="PipelineReceiveSink"/> waits until the pipeline thread
/// has written the message and the downstream commands have processed it).</remarks>
public sealed class MailReceiver
{
    /// <summary>Time allowed to flag what was already accepted when the receive ends by an exception or Ctrl+C.</summary>
    static readonly TimeSpan CommitOnStopTimeout = TimeSpan.FromSeconds(5);

    const MessageSummaryItems SummaryItems = MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size |
        MessageSummaryItems.InternalDate | MessageSummaryItems.BodyStructure | MessageSummaryItems.Flags;

    readonly IAccessTokenProvider _tokens;
    readonly MailClientConnector _connector;

    /// <summary>NotAnIncomingServer: mail is received from incoming (IMAP) servers only.</summary>
    public static OutlookOAuthException NotIncoming(MailServer server) =>
        new("NotAnIncomingServer", FailureKind.InvalidArgument, $"'{server.Name}' is an outgoing server; mail is received from incoming (IMAP) servers.",
            "Pipe incoming servers: 'Get-OutlookMailServer -Direction Incoming | Receive-OutlookMail'.");

    public MailReceiver(IAccessTokenProvider tokens, MailClientOptions? options = null)
    {
        _tokens = tokens;
        _connector = new MailClientConnector(options);
    }

    /// <summary>Receives from <paramref name="server"/> as <paramref name="options"/> say, handing each message to <paramref name="sink"/>.</summary>
    /// <exception cref="OAuthException">no token for the server.</exception>
    /// <exception cref="MailProtocolException">connection, sign-in, folder or a lost connection (with an error id and a hint).</exception>
    /// <exception cref="OperationCanceledException">cancelled; what was accepted before is flagged, nothing else.</exception>
    public ReceiveSummary Receive(IncomingMailServer server, ReceiveOptions options, IReceiveSink sink, ITranscriptSink? transcript = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        if (options.Destination is { } destination) Directory.CreateDirectory(destination);
        // Without a transcript the client gets no protocol logger: every body byte would otherwise pass through it.
        using var client = Wait(transcript is null
            ? _connector.ConnectAsync(server, _tokens, null, _ => new ImapClient(), cancellationToken)
            : _connector.ConnectImapAsync(server, _tokens, transcript, cancellationToken));
        var run = new Run(server, options, sink, client);
        try
        {
            return run.Execute(cancellationToken);
        }
        finally
        {
            if (client.IsConnected)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try { client.DisconnectAsync(true, quick.Token).GetAwaiter().GetResult(); }
                catch (Exception e) when (e is not OutOfMemoryException) { }
            }
        }
    }

    /// <summary>The stable file name of a message: the Date (UTC) and a hash of the Message-Id, so that a message saved again
    /// (a re-run, another UIDVALIDITY, -All) replaces its own file; without a Message-Id, UIDVALIDITY and UID.</summary>
    public static string FileName(string? messageId, DateTimeOffset? date, uint uidValidity, uint uid)
    {
        if (string.IsNullOrWhiteSpace(messageId)) return $"uid-{uidValidity}-{uid}.eml";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(messageId.Trim()))).ToLowerInvariant()[..24];
        return date is { } d ? $"{d.UtcDateTime:yyyyMMdd-HHmmss}-{hash}.eml" : $"{hash}.eml";
    }

    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
    static void Wait(Task task) => task.GetAwaiter().GetResult();

    /// <summary>One receive: the open folder, the UIDs found and what was accepted but not yet flagged.</summary>
    sealed class Run(IncomingMailServer server, ReceiveOptions options, IReceiveSink sink, ImapClient client)
    {
        readonly List<UniqueId> _accepted = new();
        IMailFolder _folder = null!;
        IMailFolder? _moveTo;
        uint _uidValidity;
        bool _uidValidityChanged;
        int _found, _delivered, _failed, _committed;

        public ReceiveSummary Execute(CancellationToken ct)
        {
            Open(ct);
            var uids = Search(ct);
            var limit = options.Limit > 0 ? options.Limit : int.MaxValue;
            _found = Math.Min(uids.Count, limit);
            sink.Progress(Progress());
            var handed = 0;
            // INTERNALDATE has whole seconds: "at or after" compares with Since truncated to its second.
            var since = options.Since is { } t ? t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond)) : (DateTimeOffset?)null;
            try
            {
                for (var i = 0; i < uids.Count && handed < limit && !_uidValidityChanged; i += options.BatchSize)
                {
                    var batch = uids.Skip(i).Take(options.BatchSize).ToList();
                    var summaries = Guard(() => _folder.FetchAsync(batch, SummaryItems, ct), ct)
                        .Where(s => since is null || s.InternalDate is not { } d || d >= since)
                        .OrderBy(s => s.UniqueId.Id)
                        .Take(limit - handed)
                        .ToList();
                    if (summaries.Count == 0) continue;
                    var items = FetchBodies(summaries, ct);
                    var stop = false;
                    foreach (var summary in summaries)
                    {
                        var (message, error) = items.TryGetValue(summary.UniqueId.Id, out var item) ? item : (null, null);
                        handed++;
                        if (message is not null && Parse(message) is { } unreadable) (message, error) = (null, unreadable);
                        if (message is null)
                        {
                            if (error is null) continue; // expunged meanwhile
                            _failed++;
                            sink.Failed(error);
                            continue;
                        }
                        if (!sink.Deliver(message)) stop = true;
                        _accepted.Add(summary.UniqueId);
                        _delivered++;
                        sink.Progress(Progress());
                        if (stop) break;
                    }
                    Commit(ct);
                    sink.Progress(Progress());
                    if (stop) break;
                }
            }
            finally
            {
                // An exception of the sink or a cancellation: flag what was accepted before it, nothing else.
                if (_accepted.Count > 0)
                {
                    using var quick = new CancellationTokenSource(CommitOnStopTimeout);
                    try { Commit(quick.Token); }
                    catch (Exception e) when (e is not OutOfMemoryException) { }
                }
            }
            return new ReceiveSummary(server.Name, _folder.FullName, _uidValidity, _found, _delivered, _failed, _committed, _uidValidityChanged,
                Moved: options.MoveTo is not null && !options.Peek);
        }

        ReceiveProgress Progress() => new(server.Name, _folder.FullName, _delivered + _failed, _found, _committed);

        void Open(CancellationToken ct)
        {
            _folder = Folder(options.Folder, ct);
            if (options.MoveTo is { } moveTo && !options.Peek)
            {
                _moveTo = Folder(moveTo, ct);
                if (string.Equals(_moveTo.FullName, _folder.FullName, StringComparison.OrdinalIgnoreCase))
                    throw Fail(MailFailure.NotSupported, "MoveToSameFolder", $"-MoveTo names the folder being read ('{_folder.FullName}').",
                        "Name another folder for processed messages, e.g. -MoveTo Processed.", null);
            }
            Guard(() => _folder.OpenAsync(options.Peek ? FolderAccess.ReadOnly : FolderAccess.ReadWrite, ct), ct);
            _uidValidity = _folder.UidValidity;
            _folder.UidValidityChanged += (_, _) => _uidValidityChanged = true;
        }

        IMailFolder Folder(string name, CancellationToken ct)
        {
            if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase)) return client.Inbox;
            try { return Guard(() => client.GetFolderAsync(name, ct), ct); }
            catch (MailProtocolException e) when (e.InnerException is FolderNotFoundException)
            {
                throw Fail(MailFailure.Rejected, "FolderNotFound", $"The mailbox '{server.Username}' on {server.Endpoint} has no folder '{name}'.",
                    $"Check the folder name (a subfolder is written with the server's separator, e.g. 'INBOX/Invoices'), or create the folder in Outlook.", e.InnerException);
            }
        }

        IList<UniqueId> Search(CancellationToken ct)
        {
            SearchQuery query = options.All ? SearchQuery.All : SearchQuery.NotSeen;
            // IMAP SINCE compares dates only (in the server's zone): ask from the day before, filter exactly on INTERNALDATE.
            if (options.Since is { } since) query = query.And(SearchQuery.DeliveredAfter(since.UtcDateTime.Date.AddDays(-1)));
            var found = Guard(() => _folder.SearchAsync(query, ct), ct);
            return found.OrderBy(u => u.Id).ToList();
        }

        /// <summary>One FETCH of the bodies of <paramref name="summaries"/>: each saved (when asked) and parsed as it arrives.</summary>
        Dictionary<uint, (ReceivedMessage? Message, MessageReceiveException? Error)> FetchBodies(List<IMessageSummary> summaries, CancellationToken ct)
        {
            var bySummary = summaries.ToDictionary(s => s.UniqueId.Id);
            var results = new Dictionary<uint, (ReceivedMessage?, MessageReceiveException?)>();
            var imapFolder = (ImapFolder)_folder;
            Guard(() => imapFolder.GetStreamsAsync(summaries.Select(s => s.UniqueId).ToList(), async (_, _, uid, stream, token) =>
            {
                if (!bySummary.TryGetValue(uid.Id, out var summary)) return;
                results[uid.Id] = await ReadAsync(summary, stream, token).ConfigureAwait(false);
            }, ct), ct);
            return results;
        }

        async Task<(ReceivedMessage?, MessageReceiveException?)> ReadAsync(IMessageSummary summary, Stream stream, CancellationToken ct)
        {
            var message = Describe(summary);
            string? path = null;
            if (options.Destination is { } destination)
            {
                path = System.IO.Path.Combine(destination, FileName(message.MessageId, message.Date, _uidValidity, message.Uid));
                var temp = System.IO.Path.Combine(destination, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
                try
                {
                    await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
                    {
                        await stream.CopyToAsync(file, ct).ConfigureAwait(false);
                        file.Flush(flushToDisk: true);
                    }
                    File.Move(temp, path, overwrite: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    TryDelete(temp);
                    return (null, new MessageReceiveException("MessageNotSaved", $"Message {message.Uid} ('{message.Subject}') of '{server.Name}' could not be saved to '{destination}': {e.Message}",
                        "Check that the destination folder is writable and has free space; the message stays unread and comes again next time.", message, e));
                }
                catch
                {
                    TryDelete(temp);
                    throw;
                }
                message.Path = path;
                return (message, null);
            }
            // No destination: keep the raw bytes until the message is handed on (parsed only then, so parsed messages live briefly).
            var raw = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
            await stream.CopyToAsync(raw, ct).ConfigureAwait(false);
            raw.Position = 0;
            message.Raw = raw;
            return (message, null);
        }

        /// <summary>Parses the message just before it is handed on (from the saved file, or the raw bytes kept).</summary>
        MessageReceiveException? Parse(ReceivedMessage message)
        {
            try
            {
                using var source = message.Raw ?? (Stream)File.OpenRead(message.Path!);
                message.Message = MimeMessage.Load(source);
                return null;
            }
            catch (FormatException e)
            {
                return new MessageReceiveException("MessageUnreadable",
                    $"Message {message.Uid} ('{message.Subject}', {message.Size} bytes) of '{server.Name}' cannot be parsed as a MIME message: {e.Message}",
                    (message.Path is null ? "" : $"Its raw bytes are in '{message.Path}'. ") +
                    "It stays unread and comes again next time; move it out of the folder (for example in Outlook) once it has been looked at.", message, e);
            }
            finally
            {
                message.Raw = null;
            }
        }

        ReceivedMessage Describe(IMessageSummary s)
        {
            var envelope = s.Envelope;
            return new ReceivedMessage
            {
                Server = server.Name, Mailbox = server.Username, Folder = _folder.FullName, Uid = s.UniqueId.Id, UidValidity = _uidValidity,
                MessageId = envelope?.MessageId, From = envelope?.From.Count > 0 ? envelope.From.ToString() : null,
                To = envelope?.To.Mailboxes.Select(m => m.Address).ToArray() ?? [], Subject = envelope?.Subject, Date = envelope?.Date,
                Received = s.InternalDate, Size = (long)(s.Size ?? 0),
                Attachments = s.Attachments.Select(a => a.FileName ?? a.ContentType.Name).Where(n => !string.IsNullOrEmpty(n)).ToArray()!,
                ConfigPath = server.ConfigPath,
            };
        }

        /// <summary>Flags the accepted messages \Seen (and moves them) with one command each, unless UIDVALIDITY changed
        /// (then the UIDs name other messages: nothing is flagged, they come again).</summary>
        void Commit(CancellationToken ct)
        {
            if (_accepted.Count == 0) return;
            if (options.Peek) { _accepted.Clear(); return; }
            if (_uidValidityChanged || _folder.UidValidity != _uidValidity)
            {
                _uidValidityChanged = true;
                _accepted.Clear();
                return;
            }
            if (!client.IsConnected) return;
            var uids = _accepted.ToList();
            Guard(() => _folder.AddFlagsAsync(uids, MessageFlags.Seen, true, ct), ct);
            if (_moveTo is not null) Guard(() => _folder.MoveToAsync(uids, _moveTo, ct), ct);
            _committed += uids.Count;
            _accepted.Clear();
        }

        static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }

        T Guard<T>(Func<Task<T>> action, CancellationToken ct)
        {
            try { return Wait(action()); }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not MailProtocolException) { throw Lost(e); }
        }

        void Guard(Func<Task> action, CancellationToken ct)
        {
            try { Wait(action()); }
            catch (Exception e) when (!ct.IsCancellationRequested && e is not MailProtocolException) { throw Lost(e); }
        }

        MailProtocolException Lost(Exception e) => e switch
        {
            FolderNotFoundException => new MailProtocolException(MailFailure.Rejected, e.Message, e) { Stage = ConnectionTestStage.Select, ErrorId = "FolderNotFound" },
            ImapCommandException c => Fail(MailFailure.Rejected, "ImapCommandRefused",
                $"{server.Endpoint} refused a command for '{server.Username}': {c.Response} {c.ResponseText}".TrimEnd(),
                $"For a shared mailbox or an app-only server the account needs FullAccess to '{server.Username}' " +
                $"('Add-MailboxPermission -Identity '{server.Username}' -User <account or service principal> -AccessRights FullAccess'). Messages not yet handed on stay unread.", e),
            OperationCanceledException or TimeoutException => Fail(MailFailure.Timeout, "ReceiveTimeout",
                $"{server.Endpoint} stopped answering while receiving from '{server.Username}'.",
                "Retry; messages not yet handed on stay unread and come again. If it persists raise -TimeoutSeconds or lower -Limit.", e),
            _ => Fail(MailFailure.ConnectionClosed, "ConnectionLost",
                $"The connection to {server.Endpoint} was lost while receiving from '{server.Username}': {e.Message}",
                "Retry: every message that was not handed on stays unread and comes again; saved files are replaced, not duplicated.", e),
        };

        MailProtocolException Fail(MailFailure failure, string id, string message, string hint, Exception? inner) =>
            new(failure, message, inner) { Stage = ConnectionTestStage.Select, ErrorId = id, Hint = hint };
    }
}
