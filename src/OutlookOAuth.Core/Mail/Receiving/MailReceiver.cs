using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>
/// Receives mail from an incoming server without ever losing a message (unlike Odoo's fetchmail, which flags a message
/// \Seen even when processing it failed), and without one message ever stopping the others. UID SEARCH (unseen, or all;
/// since a date) in the folder, oldest first, at most <see cref="ReceiveOptions.Limit"/>; then per batch one UID FETCH of
/// UID, size, flags and internal date only (no ENVELOPE or BODYSTRUCTURE: a sender's header fields never pass through
/// the IMAP parser, whose literal limit a long Subject exceeds), and one FETCH of the bodies (BODY.PEEK[], so fetching
/// never flags) streamed to owner-only files one at a time. Each message is then parsed from its file (MimeKit), saved
/// under its stable name, handed to the <see cref="IReceiveSink"/>, and only what the sink accepted is flagged \Seen (or
/// moved) with one UID STORE (and one UID MOVE) per batch. A sink that throws leaves that message and every later one
/// unseen. A message that cannot be fetched or parsed is reported once and the batch goes on (moved to
/// <see cref="ReceiveOptions.FailedFolder"/> when one is given). One receive per mailbox runs at a time on a machine
/// (a <see cref="FileLock"/> held for the run).
/// </summary>
/// <remarks><see cref="Receive"/> is synchronous on purpose: it blocks on the network on the caller's thread, so the sink
/// runs on that thread and may block there (the cmdlet's <see cref="PipelineReceiveSink"/> waits until the pipeline thread
/// has written the message and the downstream commands have processed it).</remarks>
public sealed class MailReceiver
{
    /// <summary>Time allowed to flag what was already accepted when the receive ends by an exception or Ctrl+C.</summary>
    static readonly TimeSpan CommitOnStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Only what needs no literal: a hostile header or MIME structure cannot make this FETCH fail.</summary>
    const MessageSummaryItems SummaryItems = MessageSummaryItems.UniqueId | MessageSummaryItems.Size |
        MessageSummaryItems.InternalDate | MessageSummaryItems.Flags;

    /// <summary>At most this many body bytes per FETCH command (besides <see cref="ReceiveOptions.BatchSize"/> messages):
    /// bodies are spooled to disk before they are handed on, so this bounds the disk a batch takes.</summary>
    public const long BatchBytes = 64L * 1024 * 1024;

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

    /// <summary>Where the per-mailbox receive locks live: the user's local application data (OutlookOAuth/locks).</summary>
    public static string DefaultLockDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "OutlookOAuth", "locks");

    /// <summary>The lock file of one mailbox (host, port and username, case-insensitive): one receive at a time per mailbox.</summary>
    public static string LockPath(IncomingMailServer server, string? lockDirectory = null)
    {
        var key = $"{server.HostName}:{server.Port}:{server.Username}".ToLowerInvariant();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant()[..32];
        return Path.Combine(lockDirectory ?? DefaultLockDirectory, $"receive-{hash}.lock");
    }

    /// <summary>Receives from <paramref name="server"/> as <paramref name="options"/> say, handing each message to <paramref name="sink"/>.
    /// Holds the mailbox's lock for the whole run (unless <see cref="ReceiveOptions.Peek"/>): a second receive of the same
    /// mailbox on this machine waits for it.</summary>
    /// <param name="waiting">Told once when another receive holds the mailbox's lock.</param>
    /// <exception cref="OAuthException">no token for the server.</exception>
    /// <exception cref="MailProtocolException">connection, sign-in, folder or a lost connection (with an error id and a hint).</exception>
    /// <exception cref="FileLockedException">MailboxLocked: another receive of the mailbox held it for <see cref="ReceiveOptions.LockTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException">cancelled; what was accepted before is flagged, nothing else.</exception>
    public ReceiveSummary Receive(IncomingMailServer server, ReceiveOptions options, IReceiveSink sink, ITranscriptSink? transcript = null,
        CancellationToken cancellationToken = default, Action<string>? waiting = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        if (options.Destination is { } destination) OwnerOnlyFile.EnsureDirectory(destination, tighten: false);
        // -Peek changes nothing and may hand on what another receive hands on: it waits for no one.
        using var mailboxLock = options.Peek ? null : LockMailbox(server, options, waiting, cancellationToken);
        var spool = Directory.CreateTempSubdirectory("outlookoauth-receive-").FullName; // 0700 on Unix
        try
        {
            // Without a transcript the client gets no protocol logger: every body byte would otherwise pass through it.
            using var run = new Run(server, options, sink, ct =>
            {
                var client = Wait(_connector.ConnectAsync(server, _tokens, transcript,
                    log => transcript is null ? new SpoolingImapClient() : new SpoolingImapClient(log), ct));
                client.SpoolDirectory = spool;
                return client;
            }, spool);
            return run.Execute(cancellationToken);
        }
        finally
        {
            try { Directory.Delete(spool, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    static FileLock LockMailbox(IncomingMailServer server, ReceiveOptions options, Action<string>? waiting, CancellationToken ct)
    {
        var directory = options.LockDirectory ?? DefaultLockDirectory;
        OwnerOnlyFile.EnsureDirectory(directory, tighten: false);
        var path = LockPath(server, directory);
        ct.ThrowIfCancellationRequested();
        return FileLock.Acquire(path, path, $"the mailbox '{server.Username}' on {server.Endpoint} (another Receive-OutlookMail)", "MailboxLocked",
            options.LockTimeout, waiting);
    }

    /// <summary>The stable file name of a saved message: its Date (UTC; else when the server received it) and a hash of its
    /// raw bytes. The same message saved again (a re-run, -All, another UIDVALIDITY) replaces its own file; two different
    /// messages never share a name, whatever their Message-Id and Date say. Nothing the sender wrote goes into the name
    /// except the date's digits.</summary>
    public static string FileName(DateTimeOffset? date, ReadOnlySpan<byte> sha256)
    {
        var hash = Convert.ToHexString(sha256).ToLowerInvariant()[..32];
        return date is { } d ? $"{d.UtcDateTime:yyyyMMdd-HHmmss}-{hash}.eml" : $"{hash}.eml";
    }

    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
    static void Wait(Task task) => task.GetAwaiter().GetResult();

    /// <summary>One receive: the connection, the open folder, the UIDs found and what was accepted but not yet flagged.</summary>
    /// <remarks>When the connection is lost while fetching (a server may drop the connection over one message it cannot
    /// serve: Dovecot does), the run reconnects and fetches the rest of the batch one message at a time; a message that
    /// loses a fresh connection twice, as the first thing fetched on it, is that message's failure (reported, set aside)
    /// and the others go on. Three lost connections in a row without a message handed on in between end the run.</remarks>
    sealed class Run(IncomingMailServer server, ReceiveOptions options, IReceiveSink sink, Func<CancellationToken, ImapClient> connect, string spool) : IDisposable
    {
        const int ReconnectsWithoutProgress = 3;
        readonly List<UniqueId> _accepted = new();
        readonly HashSet<uint> _done = new();
        ImapClient? _client;
        IMailFolder _folder = null!;
        IMailFolder? _moveTo;
        IMailFolder? _failedFolder;
        uint _uidValidity;
        bool _uidValidityChanged, _sinkFailed;
        int _found, _delivered, _failed, _committed, _handed, _limit, _lost;
        DateTimeOffset? _since;

        ImapClient Client => _client!;

        /// <summary>A body fetched to a file: <see cref="Path"/> (in the destination, or in the private spool folder) and
        /// the SHA-256 of its bytes.</summary>
        sealed record Spooled(string Path, byte[] Sha256);

        public ReceiveSummary Execute(CancellationToken ct)
        {
            _client = connect(ct);
            Open(ct);
            var uids = Search(ct);
            _limit = options.Limit > 0 ? options.Limit : int.MaxValue;
            _found = Math.Min(uids.Count, _limit);
            sink.Progress(Progress());
            // INTERNALDATE has whole seconds: "at or after" compares with Since truncated to its second.
            _since = options.Since is { } t ? t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond)) : null;
            try
            {
                for (var i = 0; i < uids.Count && _handed < _limit && !_uidValidityChanged; i += options.BatchSize)
                {
                    var batch = uids.Skip(i).Take(options.BatchSize).ToList();
                    bool stop;
                    try { stop = Process(batch, ct); }
                    catch (MailProtocolException e) when (Recoverable(e, ct))
                    {
                        Reconnect(e, ct);
                        stop = false;
                        foreach (var uid in batch)
                        {
                            if (_uidValidityChanged || _handed >= _limit) break;
                            if (!_done.Contains(uid.Id) && Isolate(uid, ct)) { stop = true; break; }
                        }
                    }
                    Commit(ct);
                    sink.Progress(Progress());
                    if (stop) break;
                }
            }
            finally
            {
                // An exception of the sink or a cancellation: flag what was accepted before it, nothing else.
                if (_accepted.Count > 0 && _client is { IsConnected: true })
                {
                    using var quick = new CancellationTokenSource(CommitOnStopTimeout);
                    try { Commit(quick.Token); }
                    catch (Exception e) when (e is not OutOfMemoryException) { }
                }
            }
            return new ReceiveSummary(server.Name, _folder.FullName, _uidValidity, _found, _delivered, _failed, _committed, _uidValidityChanged,
                Moved: options.MoveTo is not null && !options.Peek);
        }

        /// <summary>Summaries of <paramref name="uids"/>, then their bodies chunk by chunk, handed on one by one. True when the
        /// sink asked to stop.</summary>
        bool Process(IList<UniqueId> uids, CancellationToken ct)
        {
            var summaries = Guard(() => _folder.FetchAsync(uids, SummaryItems, ct), ct)
                .Where(s => !_done.Contains(s.UniqueId.Id))
                .Where(s => _since is null || s.InternalDate is not { } d || d >= _since)
                .OrderBy(s => s.UniqueId.Id)
                .Take(_limit - _handed)
                .ToList();
            var kept = summaries.Select(s => s.UniqueId.Id).ToHashSet();
            foreach (var uid in uids) if (!kept.Contains(uid.Id)) _done.Add(uid.Id); // expunged, or before -Since
            foreach (var chunk in Chunks(summaries))
                if (HandOn(chunk, ct)) return true;
            return false;
        }

        /// <summary>One message on its own after a lost connection: a second lost connection retries it on a fresh one; a
        /// third makes it this message's failure. True when the sink asked to stop.</summary>
        bool Isolate(UniqueId uid, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                try { return Process([uid], ct); }
                catch (MailProtocolException e) when (Recoverable(e, ct))
                {
                    Reconnect(e, ct);
                    if (_uidValidityChanged) return false; // the UIDs name other messages now: the run ends
                    if (attempt < 2) continue;
                    var partial = Describe(uid, null, null);
                    Fail(uid, partial, new MessageReceiveException("MessageNotFetched",
                        $"{server.Endpoint} closed the connection each time it was asked for message {uid.Id} of '{server.Name}': {e.Message}",
                        SetAsideHint, partial, e), setAside: true, ct);
                    return false;
                }
            }
        }

        bool Recoverable(MailProtocolException e, CancellationToken ct) =>
            e.ErrorId == "ConnectionLost" && !_sinkFailed && !ct.IsCancellationRequested;

        /// <summary>A new connection with the folder open again; rethrows <paramref name="lost"/> when that fails or when the
        /// connection keeps being lost without progress.</summary>
        void Reconnect(MailProtocolException lost, CancellationToken ct)
        {
            if (++_lost > ReconnectsWithoutProgress) throw lost;
            _client?.Dispose();
            _client = null;
            try
            {
                _client = connect(ct);
                Open(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw lost;
            }
        }

        public void Dispose()
        {
            if (_client is not { } client) return;
            if (client.IsConnected)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try { client.DisconnectAsync(true, quick.Token).GetAwaiter().GetResult(); }
                catch (Exception e) when (e is not OutOfMemoryException) { }
            }
            client.Dispose();
        }

        /// <summary>Messages in runs of at most <see cref="BatchBytes"/> (a larger message alone).</summary>
        static IEnumerable<List<IMessageSummary>> Chunks(List<IMessageSummary> summaries)
        {
            var chunk = new List<IMessageSummary>();
            long bytes = 0;
            foreach (var s in summaries)
            {
                var size = (long)(s.Size ?? 0);
                if (chunk.Count > 0 && bytes + size > BatchBytes)
                {
                    yield return chunk;
                    chunk = new List<IMessageSummary>();
                    bytes = 0;
                }
                chunk.Add(s);
                bytes += size;
            }
            if (chunk.Count > 0) yield return chunk;
        }

        /// <summary>Fetches the bodies of <paramref name="chunk"/> to files, then parses and hands on one message at a time.
        /// Returns true when the sink asked to stop. Every spooled file not handed on is removed, whatever happens.</summary>
        bool HandOn(List<IMessageSummary> chunk, CancellationToken ct)
        {
            var (spooled, refused) = FetchBodies(chunk, ct);
            try
            {
                foreach (var summary in chunk)
                {
                    var uid = summary.UniqueId.Id;
                    if (!spooled.TryGetValue(uid, out var body))
                    {
                        if (refused.TryGetValue(uid, out var why))
                        {
                            var partial = Describe(summary.UniqueId, summary, null);
                            Fail(summary.UniqueId, partial, new MessageReceiveException("MessageNotFetched",
                                $"{server.Endpoint} would not send message {uid} ({partial.Size} bytes, received {partial.Received:u}) of '{server.Name}': {why}",
                                SetAsideHint, partial), setAside: true, ct);
                        }
                        else _done.Add(uid); // expunged meanwhile
                        continue;
                    }
                    spooled.Remove(uid);
                    var (message, error) = Read(summary, body);
                    if (message is null)
                    {
                        // A local failure to save is not the message's fault: it stays where it is.
                        Fail(summary.UniqueId, error!.Partial, error, setAside: error.ErrorId != "MessageNotSaved", ct);
                        continue;
                    }
                    _done.Add(uid);
                    _handed++;
                    _lost = 0;
                    bool go;
                    try { go = sink.Deliver(message); }
                    catch { _sinkFailed = true; throw; }
                    _accepted.Add(summary.UniqueId);
                    _delivered++;
                    sink.Progress(Progress());
                    if (!go) return true;
                }
                return false;
            }
            finally
            {
                foreach (var left in spooled.Values) TryDelete(left.Path);
            }
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
            if (options.FailedFolder is { } failed && !options.Peek)
            {
                _failedFolder = Folder(failed, ct, create: true);
                if (string.Equals(_failedFolder.FullName, _folder.FullName, StringComparison.OrdinalIgnoreCase))
                    throw Fail(MailFailure.NotSupported, "FailedFolderSameFolder", $"-FailedFolder names the folder being read ('{_folder.FullName}').",
                        "Name another folder for messages that cannot be received, e.g. -FailedFolder Failed.", null);
            }
            Guard(() => _folder.OpenAsync(options.Peek ? FolderAccess.ReadOnly : FolderAccess.ReadWrite, ct), ct);
            if (_uidValidity == 0) _uidValidity = _folder.UidValidity;
            else if (_folder.UidValidity != _uidValidity) _uidValidityChanged = true; // opened again after a lost connection
            _folder.UidValidityChanged += (_, _) => _uidValidityChanged = true;
        }

        IMailFolder Folder(string name, CancellationToken ct, bool create = false)
        {
            if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase)) return Client.Inbox;
            try { return Guard(() => Client.GetFolderAsync(name, ct), ct); }
            catch (MailProtocolException e) when (e.InnerException is FolderNotFoundException && create)
            {
                // Created under its parent (a subfolder written with the server's separator), or at the top of the mailbox.
                var root = Client.GetFolder(Client.PersonalNamespaces[0]);
                var separator = root.DirectorySeparator;
                var cut = separator == '\0' ? -1 : name.LastIndexOf(separator);
                var parent = cut < 0 ? root : Folder(name[..cut], ct);
                return Guard(async () => (await parent.CreateAsync(name[(cut + 1)..], true, ct).ConfigureAwait(false))!, ct);
            }
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

        /// <summary>One FETCH of the bodies of <paramref name="chunk"/>, each streamed to a file as it arrives. When the server
        /// refuses the command (NO/BAD: a message it cannot serve), the messages not yet fetched are fetched one by one, so
        /// only the one the server refuses is left out, with the server's words.</summary>
        (Dictionary<uint, Spooled> Spooled, Dictionary<uint, string> Refused) FetchBodies(List<IMessageSummary> chunk, CancellationToken ct)
        {
            var spooled = new Dictionary<uint, Spooled>();
            var refused = new Dictionary<uint, string>();
            try
            {
                if (chunk.Count == 0 || TryFetch(chunk.Select(s => s.UniqueId).ToList(), spooled, out _, ct)) return (spooled, refused);
                foreach (var s in chunk)
                {
                    if (spooled.ContainsKey(s.UniqueId.Id)) continue;
                    if (!TryFetch([s.UniqueId], spooled, out var why, ct)) refused[s.UniqueId.Id] = why!;
                }
                return (spooled, refused);
            }
            catch
            {
                foreach (var left in spooled.Values) TryDelete(left.Path);
                throw;
            }
        }

        bool TryFetch(IList<UniqueId> uids, Dictionary<uint, Spooled> spooled, out string? refusal, CancellationToken ct)
        {
            refusal = null;
            var imapFolder = (ImapFolder)_folder;
            try
            {
                Guard(() => imapFolder.GetStreamsAsync(uids, async (_, _, uid, stream, token) =>
                {
                    if (spooled.TryGetValue(uid.Id, out var twice)) TryDelete(twice.Path);
                    spooled[uid.Id] = await SpoolAsync(uid.Id, stream, token).ConfigureAwait(false);
                }, ct), ct);
                return true;
            }
            catch (MailProtocolException e) when (e.InnerException is ImapCommandException c)
            {
                refusal = $"{c.Response} {c.ResponseText}".Trim();
                return false;
            }
        }

        /// <summary>Streams one body to an owner-only file (in the destination folder, under a temporary name, when one is
        /// given; else in the private spool folder), hashing it on the way.</summary>
        async Task<Spooled> SpoolAsync(uint uid, Stream stream, CancellationToken ct)
        {
            var folder = options.Destination ?? spool;
            var path = System.IO.Path.Combine(folder, $".receive-{uid}-{Guid.NewGuid():N}.tmp");
            var fileOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 81920, Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = OwnerOnlyFile.FileMode;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            try
            {
                await using (var file = new FileStream(path, fileOptions))
                {
                    var buffer = new byte[81920];
                    int n;
                    while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    }
                    if (options.Destination is not null) file.Flush(flushToDisk: true);
                }
                return new Spooled(path, hash.GetHashAndReset());
            }
            catch
            {
                TryDelete(path);
                throw;
            }
        }

        /// <summary>Parses a spooled body (MimeKit, from the file) and, with a destination, gives the file its stable name.
        /// A body that cannot be parsed is still saved there (under a name from its bytes and internal date).</summary>
        /// <remarks>The parse is persistent: the message's parts stay in the file and are read from it when asked for
        /// (the stream stays open, read-only and deletable, as long as the message lives), so memory holds the MIME
        /// structure and header fields, never the bodies: ten 20 MB messages cost what ten small ones do. Without a
        /// destination the spooled file is deleted at once (Unix: unlinked while open; Windows: delete-pending until the
        /// stream is closed).</remarks>
        (ReceivedMessage?, MessageReceiveException?) Read(IMessageSummary summary, Spooled body)
        {
            MimeMessage? parsed = null;
            Exception? failure = null;
            var source = new FileStream(body.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096);
            try
            {
                parsed = MimeMessage.Load(source, persistent: true);
            }
            // Whatever the parser makes of hostile bytes is this message's failure, not the receive's (reading our own file is not).
            catch (Exception e) when (e is not (OutOfMemoryException or IOException or UnauthorizedAccessException or OperationCanceledException))
            {
                failure = e;
            }
            catch
            {
                source.Dispose();
                throw;
            }
            if (parsed is null) source.Dispose();
            var message = Describe(summary.UniqueId, summary, parsed);
            try
            {
                if (options.Destination is { } destination)
                {
                    var path = System.IO.Path.Combine(destination, FileName(message.Date ?? message.Received, body.Sha256));
                    try
                    {
                        File.Move(body.Path, path, overwrite: true);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        source.Dispose();
                        return (null, new MessageReceiveException("MessageNotSaved", $"Message {message.Uid} ('{message.Subject}') of '{server.Name}' could not be saved to '{destination}': {e.Message}",
                            "Check that the destination folder is writable and has free space; the message stays unread and comes again next time.", message, e));
                    }
                    message.Path = path;
                }
            }
            finally
            {
                if (message.Path is null) TryDelete(body.Path);
            }
            if (failure is not null)
                return (null, new MessageReceiveException("MessageUnreadable",
                    $"Message {message.Uid} ({message.Size} bytes, received {message.Received:u}) of '{server.Name}' cannot be parsed as a MIME message: {failure.Message}",
                    (message.Path is null ? "" : $"Its raw bytes are in '{message.Path}'. ") + SetAsideHint, message, failure));
            message.Message = parsed;
            return (message, null);
        }

        string SetAsideHint => _failedFolder is not null
            ? $"It was moved to the folder '{_failedFolder.FullName}' so that the next receive goes on without it; look at it there."
            : "It stays unread and comes again next time; give -FailedFolder (e.g. -FailedFolder Failed) to move such messages aside, or move it out of the folder in Outlook.";

        /// <summary>A message that could not be fetched or parsed: moved to the failed folder (before it is reported, so a
        /// runbook that stops on the error is not stopped by it again), then reported once.</summary>
        void Fail(UniqueId uid, ReceivedMessage partial, MessageReceiveException error, bool setAside, CancellationToken ct)
        {
            if (setAside && _failedFolder is not null)
            {
                try { Guard(() => _folder.MoveToAsync(uid, _failedFolder, ct), ct); }
                catch (MailProtocolException e) when (e.InnerException is ImapCommandException c)
                {
                    // The server will not move it either (Dovecot cannot copy a message it cannot read): told, not fatal.
                    error = new MessageReceiveException(error.ErrorId, error.Message, $"The server would not move it to '{_failedFolder.FullName}' " +
                        $"({c.ResponseText}); it stays unread where it is and is reported again next time: remove it on the server.", partial, error.InnerException);
                }
            }
            _done.Add(uid.Id);
            _handed++;
            _lost = 0;
            _failed++;
            try { sink.Failed(error); }
            catch { _sinkFailed = true; throw; }
            sink.Progress(Progress());
        }

        /// <summary>What is known of a message: the server's UID, size and internal date (when fetched), and the parsed
        /// header fields (none when it could not be parsed).</summary>
        ReceivedMessage Describe(UniqueId uid, IMessageSummary? s, MimeMessage? m) => new()
        {
            Server = server.Name, Mailbox = server.Username, Folder = _folder.FullName, Uid = uid.Id, UidValidity = _uidValidity,
            MessageId = m?.MessageId, From = m?.From.Count > 0 ? m.From.ToString() : null,
            To = m?.To.Mailboxes.Select(a => a.Address).ToArray() ?? [], Subject = m?.Subject,
            Date = m is not null && m.Headers.Contains(HeaderId.Date) && m.Date != DateTimeOffset.MinValue ? m.Date : null,
            Received = s?.InternalDate, Size = (long)(s?.Size ?? 0),
            Attachments = m is null ? [] : m.Attachments.Select(a => a.ContentDisposition?.FileName ?? a.ContentType.Name)
                .Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToArray(),
            ConfigPath = server.ConfigPath,
        };

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
            if (!Client.IsConnected) return;
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
