using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Search;
using MimeKit;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Receiving;
using OutlookOAuth.Tests.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Mail.Receiving;

/// <summary>The receive engine against the lab's real Dovecot (and Postfix for delivery).</summary>
[Collection(MailLabCollection.Name)]
public class MailReceiverLabTests(MailLabFixture lab)
{
    MailReceiver Receiver(string user) => new(new FixedTokenProvider(lab.Token(user, lab.ImapScope)),
        new MailClientOptions { Trust = lab.Trust, Timeout = TimeSpan.FromSeconds(20) });

    ReceiveSummary Receive(string user, ReceiveOptions options, IReceiveSink sink, ITranscriptSink? transcript = null, CancellationToken ct = default) =>
        Receiver(user).Receive(lab.ImapServer(user), options, sink, transcript, ct);

    static MimeMessage[] Numbered(string user, int count, string prefix = "m") =>
        Enumerable.Range(1, count).Select(i => LabMailbox.NewMessage("sender@example.com", user, $"{prefix}{i:D4}")).ToArray();

    [Fact]
    public async Task Mail_delivered_through_Postfix_is_received_saved_as_eml_and_not_received_again()
    {
        var user = MailLabFixture.NewUser("support");
        var sender = MailLabFixture.NewUser("customer");
        var box = new LabMailbox(lab, user);
        var pdf = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        // One at a time: Postfix delivers a batch in any order, and the test checks oldest-first.
        await box.DeliverAsync(sender, [LabMailbox.NewMessage(sender, user, "invoice 1", ("invoice-1.pdf", pdf))]);
        await box.DeliverAsync(sender, [LabMailbox.NewMessage(sender, user, "question")]);
        await box.DeliverAsync(sender, [LabMailbox.NewMessage(sender, user, "invoice 2", ("invoice-2.pdf", pdf), ("terms.txt", "terms"u8.ToArray()))]);
        using var dir = new TempDirectory();
        var sink = new ListSink();

        var summary = Receive(user, new ReceiveOptions { Destination = dir.Path }, sink);

        Assert.Equal(["invoice 1", "question", "invoice 2"], sink.Messages.Select(m => m.Subject));
        Assert.Empty(sink.Errors);
        Assert.Equal((3, 3, 3), (summary.Found, summary.Delivered, summary.Committed));
        var first = sink.Messages[0];
        Assert.Equal(user, first.Server);
        Assert.Equal([user], first.To);
        Assert.Contains(sender, first.From!);
        Assert.Equal(["invoice-1.pdf"], first.Attachments);
        Assert.Equal(["invoice-2.pdf", "terms.txt"], sink.Messages[2].Attachments);
        Assert.True(first.Size > 5000);
        Assert.True(first.Uid > 0 && first.UidValidity > 0);
        Assert.Equal(pdf, ((MimePart)first.Message!.Attachments.Single()).Content!.Open().ReadAllBytes());
        foreach (var m in sink.Messages)
        {
            Assert.True(File.Exists(m.Path), m.Path);
            Assert.Equal(m.MessageId, MimeMessage.Load(m.Path!).MessageId);
            Assert.Equal(MailReceiver.FileName(m.Date, SHA256.HashData(File.ReadAllBytes(m.Path!))), Path.GetFileName(m.Path));
        }
        Assert.Equal(3, Directory.GetFiles(dir.Path).Length); // no temp files left
        Assert.Equal(3, await box.CountAsync(SearchQuery.Seen));

        var again = new ListSink();
        Assert.Equal(0, Receive(user, new ReceiveOptions { Destination = dir.Path }, again).Found);
        Assert.Empty(again.Messages);

        // -All brings them back, into the same files (no duplicates).
        var all = new ListSink();
        Receive(user, new ReceiveOptions { Destination = dir.Path, All = true }, all);
        Assert.Equal(3, all.Messages.Count);
        Assert.Equal(3, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public async Task The_protocol_transcript_counts_message_bodies_and_never_shows_them()
    {
        var user = MailLabFixture.NewUser("transcript");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 3, "secret-subject-"));
        var transcript = new TranscriptBuffer();

        Receive(user, new ReceiveOptions { Peek = true }, new ListSink(), transcript);

        var lines = transcript.Entries.Select(e => e.ToString()).ToList();
        Assert.Contains(lines, l => l.Contains("FETCH", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("message content:", StringComparison.Ordinal) && l.Contains("bytes (not shown)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Body of secret-subject-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Peek_leaves_every_message_unread()
    {
        var user = MailLabFixture.NewUser("peek");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 4));

        var sink = new ListSink();
        var summary = Receive(user, new ReceiveOptions { Peek = true }, sink);

        Assert.Equal(4, sink.Messages.Count);
        Assert.Equal(0, summary.Committed);
        Assert.Equal(4, await box.CountAsync(SearchQuery.NotSeen));
        Assert.Equal(4, Receive(user, new ReceiveOptions { Peek = true }, new ListSink()).Delivered);
    }

    [Fact]
    public async Task A_sink_that_throws_leaves_that_message_and_every_later_one_unread()
    {
        var user = MailLabFixture.NewUser("throw");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 5));
        var sink = new ListSink { OnDeliver = (m, i) => i == 2 ? throw new InvalidOperationException("downstream failed") : true };

        var e = Assert.Throws<InvalidOperationException>(() => Receive(user, new ReceiveOptions(), sink));

        Assert.Equal("downstream failed", e.Message);
        Assert.Equal(["m0001", "m0002"], await box.SubjectsAsync(SearchQuery.Seen));
        Assert.Equal(["m0003", "m0004", "m0005"], await box.SubjectsAsync(SearchQuery.NotSeen));
        var next = new ListSink();
        Receive(user, new ReceiveOptions(), next);
        Assert.Equal(["m0003", "m0004", "m0005"], next.Messages.Select(m => m.Subject));
    }

    [Fact]
    public async Task A_sink_that_stops_accepts_that_message_only()
    {
        var user = MailLabFixture.NewUser("stop");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 3));

        var summary = Receive(user, new ReceiveOptions(), new ListSink { OnDeliver = (_, _) => false });

        Assert.Equal((1, 1), (summary.Delivered, summary.Committed));
        Assert.Equal(["m0001"], await box.SubjectsAsync(SearchQuery.Seen));
    }

    [Fact]
    public async Task Cancelled_while_handing_on_flags_only_what_was_accepted_before()
    {
        var user = MailLabFixture.NewUser("cancel");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 4));
        using var cts = new CancellationTokenSource();
        var sink = new ListSink { OnDeliver = (_, i) => { if (i == 1) { cts.Cancel(); cts.Token.ThrowIfCancellationRequested(); } return true; } };

        Assert.ThrowsAny<OperationCanceledException>(() => Receive(user, new ReceiveOptions(), sink, ct: cts.Token));

        Assert.Equal(["m0001"], await box.SubjectsAsync(SearchQuery.Seen));
        Assert.Equal(3, await box.CountAsync(SearchQuery.NotSeen));
    }

    [Fact]
    public async Task Oldest_first_at_most_the_limit_and_only_unread_unless_all()
    {
        var user = MailLabFixture.NewUser("limit");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync([LabMailbox.NewMessage("a@example.com", user, "already read")], flags: MessageFlags.Seen);
        await box.AppendAsync(Numbered(user, 7));

        var sink = new ListSink();
        Receive(user, new ReceiveOptions { Limit = 3 }, sink);
        Assert.Equal(["m0001", "m0002", "m0003"], sink.Messages.Select(m => m.Subject));
        Assert.True(sink.Messages.Select(m => m.Uid).SequenceEqual(sink.Messages.Select(m => m.Uid).Order()));

        var all = new ListSink();
        Receive(user, new ReceiveOptions { All = true, Peek = true, Limit = 0 }, all);
        Assert.Equal(8, all.Messages.Count);
        Assert.Equal("already read", all.Messages[0].Subject);
    }

    [Fact]
    public async Task Since_keeps_only_messages_received_at_or_after_it()
    {
        var user = MailLabFixture.NewUser("since");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 2, "old"));
        await Task.Delay(1500);
        var since = DateTimeOffset.UtcNow;
        await box.AppendAsync(Numbered(user, 2, "new"));

        var sink = new ListSink();
        Receive(user, new ReceiveOptions { Since = since }, sink);

        Assert.Equal(["new0001", "new0002"], sink.Messages.Select(m => m.Subject));
    }

    [Fact]
    public async Task MoveTo_moves_processed_messages_marked_read()
    {
        var user = MailLabFixture.NewUser("move");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync([], folder: "Processed");
        await box.AppendAsync(Numbered(user, 3));

        Receive(user, new ReceiveOptions { MoveTo = "Processed" }, new ListSink());

        Assert.Equal(0, await box.CountAsync(SearchQuery.All));
        Assert.Equal(["m0001", "m0002", "m0003"], await box.SubjectsAsync(SearchQuery.Seen, "Processed"));
    }

    [Fact]
    public async Task A_missing_folder_is_an_error_with_a_hint()
    {
        var user = MailLabFixture.NewUser("nofolder");
        await new LabMailbox(lab, user).AppendAsync(Numbered(user, 1));

        var e = Assert.Throws<MailProtocolException>(() => Receive(user, new ReceiveOptions { Folder = "Invoices" }, new ListSink()));
        Assert.Equal("FolderNotFound", e.ErrorId);
        Assert.NotNull(e.Hint);
        var m = Assert.Throws<MailProtocolException>(() => Receive(user, new ReceiveOptions { MoveTo = "Nowhere" }, new ListSink()));
        Assert.Equal("FolderNotFound", m.ErrorId);
        Assert.Equal(1, await new LabMailbox(lab, user).CountAsync(SearchQuery.NotSeen));
    }

    [Fact]
    public async Task A_message_the_parser_cannot_read_is_an_error_and_the_others_go_on()
    {
        var user = MailLabFixture.NewUser("bad");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 1, "before"));
        // An empty message file, as a broken delivery leaves it (Dovecot serves it; IMAP APPEND would refuse it).
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.bad{Guid.NewGuid():N}.lab";
        File.WriteAllBytes(Path.Combine(box.Maildir, "new", name), []);
        await box.AppendAsync(Numbered(user, 1, "after"));
        using var dir = new TempDirectory();

        var sink = new ListSink();
        var summary = Receive(user, new ReceiveOptions { Destination = dir.Path }, sink);

        Assert.Equal(["before0001", "after0001"], sink.Messages.Select(m => m.Subject));
        var error = Assert.Single(sink.Errors);
        Assert.Equal("MessageUnreadable", error.ErrorId);
        Assert.NotNull(error.Hint);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(1, await box.CountAsync(SearchQuery.NotSeen));
    }

    [Fact]
    public async Task A_rebuilt_folder_with_a_new_UIDVALIDITY_is_received_without_duplicate_files()
    {
        var user = MailLabFixture.NewUser("uidvalidity");
        var box = new LabMailbox(lab, user);
        var messages = Numbered(user, 2);
        await box.AppendAsync(messages, folder: "Work");
        using var dir = new TempDirectory();
        var first = new ListSink();
        Receive(user, new ReceiveOptions { Folder = "Work", Destination = dir.Path }, first);

        using (var imap = await box.ConnectAsync())
        {
            await (await imap.GetFolderAsync("Work")).DeleteAsync();
            await imap.DisconnectAsync(true);
        }
        await box.AppendAsync(messages, folder: "Work");
        var second = new ListSink();
        Receive(user, new ReceiveOptions { Folder = "Work", Destination = dir.Path }, second);

        Assert.Equal(2, second.Messages.Count);
        Assert.NotEqual(first.Messages[0].UidValidity, second.Messages[0].UidValidity);
        Assert.Equal(first.Messages.Select(m => m.Path), second.Messages.Select(m => m.Path));
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public async Task App_only_reads_the_mailbox_named_by_the_username()
    {
        // The lab's Dovecot checks the token's upn against the SASL user, so the shared mailbox's own token stands in for
        // the app's; what is proven is that an app-only token signs in as the server's username (the shared mailbox).
        var shared = MailLabFixture.NewUser("shared");
        var box = new LabMailbox(lab, shared);
        await box.AppendAsync(Numbered(shared, 2));
        var tokens = new FixedTokenProvider(s => new AccessToken(lab.Token(s.Username, lab.ImapScope), DateTimeOffset.UtcNow.AddHours(1), s.Username, AppOnly: true));
        var transcript = new TranscriptBuffer();

        var sink = new ListSink();
        new MailReceiver(tokens, new MailClientOptions { Trust = lab.Trust }).Receive(lab.ImapServer(shared), new ReceiveOptions(), sink, transcript);

        Assert.Equal(2, sink.Messages.Count);
        Assert.All(sink.Messages, m => Assert.Equal(shared, m.Mailbox));
        Assert.Contains(transcript.Entries, e => e.Text.Contains("AUTHENTICATE XOAUTH2 <redacted>", StringComparison.Ordinal));
        Assert.Equal(1, tokens.Calls);
    }

    [Fact]
    public async Task Batches_fetch_many_messages_per_command_not_one_round_trip_each()
    {
        var user = MailLabFixture.NewUser("batch");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 250));
        using var dir = new TempDirectory();
        var transcript = new TranscriptBuffer();

        var sink = new ListSink();
        Receive(user, new ReceiveOptions { Destination = dir.Path, Limit = 0, BatchSize = 100 }, sink, transcript);

        Assert.Equal(250, sink.Messages.Count);
        var commands = transcript.Entries.Where(e => e.Direction == TranscriptDirection.Client).Select(e => e.Text).ToList();
        Assert.Equal(6, commands.Count(c => c.Contains(" UID FETCH ", StringComparison.Ordinal)));   // 3 batches: summaries + bodies
        Assert.Equal(3, commands.Count(c => c.Contains(" UID STORE ", StringComparison.Ordinal)));
        Assert.Equal(250, Directory.GetFiles(dir.Path).Length);
        Assert.Equal(0, await box.CountAsync(SearchQuery.NotSeen));
    }
    [Fact]
    public async Task A_4200_character_Subject_or_a_100_KB_header_field_never_stops_the_others()
    {
        var user = MailLabFixture.NewUser("long");
        var box = new LabMailbox(lab, user);
        var subject = string.Join(" ", Enumerable.Range(0, 800).Select(i => $"w{i:D4}"))[..4200].TrimEnd();
        var huge = LabMailbox.NewMessage("sender@example.com", user, "huge header");
        huge.Headers.Add("X-Huge", new string('x', 100_000));
        await box.AppendAsync([LabMailbox.NewMessage("sender@example.com", user, "before"), LabMailbox.NewMessage("sender@example.com", user, subject),
            huge, LabMailbox.NewMessage("sender@example.com", user, "after")]);
        var transcript = new TranscriptBuffer();

        var sink = new ListSink();
        var summary = Receive(user, new ReceiveOptions(), sink, transcript);

        Assert.Empty(sink.Errors);
        Assert.Equal(4, sink.Messages.Count);
        Assert.Equal(subject, sink.Messages[1].Subject);
        Assert.Equal(["before", "huge header", "after"], sink.Messages.Where((_, i) => i != 1).Select(m => m.Subject));
        Assert.Equal(4, summary.Committed);
        // Nothing the sender wrote is asked for through the IMAP parser (Dovecot sends a long Subject as a literal in
        // ENVELOPE, Exchange Online may too): only UID, size, flags, internal date, then the raw bodies.
        var commands = transcript.Entries.Where(e => e.Direction == TranscriptDirection.Client).Select(e => e.Text).ToList();
        Assert.DoesNotContain(commands, c => c.Contains("ENVELOPE", StringComparison.Ordinal) || c.Contains("BODYSTRUCTURE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Messages_that_cannot_be_fetched_or_parsed_are_reported_once_saved_and_set_aside_and_the_others_go_on()
    {
        var user = MailLabFixture.NewUser("poison");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 1, "before"));
        await box.DropAsync([]);                                                                        // cannot be parsed
        await box.DropAsync(Encoding.ASCII.GetBytes("Subject: secret\r\n\r\nbody\r\n"), UnixFileMode.None); // the server cannot read it
        await box.AppendAsync(Numbered(user, 1, "after"));
        using var dir = new TempDirectory();

        var sink = new ListSink();
        var summary = Receive(user, new ReceiveOptions { Destination = dir.Path, FailedFolder = "Failed" }, sink);

        Assert.Equal(["before0001", "after0001"], sink.Messages.Select(m => m.Subject));
        Assert.Equal(["MessageUnreadable", "MessageNotFetched"], sink.Errors.Select(e => e.ErrorId));
        Assert.All(sink.Errors, e => Assert.True(e.Partial.Uid > 0 && e.Hint!.Contains("'Failed'", StringComparison.Ordinal), e.Message));
        Assert.True(File.Exists(sink.Errors[0].Partial.Path), "the raw bytes of the unparsable one are saved");
        Assert.Equal((2, 2), (summary.Failed, summary.Committed));
        // The unparsable one is set aside; the one Dovecot cannot read it cannot move either (it copies the file): it stays,
        // the error says so, and the next run reports it again and still hands on the rest.
        Assert.Equal(1, await box.CountAsync(SearchQuery.NotSeen, "Failed"));
        Assert.Contains("would not move it", sink.Errors[1].Hint, StringComparison.Ordinal);
        Assert.Equal(1, await box.CountAsync(SearchQuery.NotSeen));

        await box.AppendAsync(Numbered(user, 1, "later"));
        var again = new ListSink();
        Receive(user, new ReceiveOptions { Destination = dir.Path, FailedFolder = "Failed" }, again);
        Assert.Equal("MessageNotFetched", Assert.Single(again.Errors).ErrorId);
        Assert.Equal(["later0001"], again.Messages.Select(m => m.Subject));
    }

    [Fact]
    public async Task Without_a_failed_folder_a_message_the_server_will_not_send_stays_unread_and_is_reported_each_time()
    {
        var user = MailLabFixture.NewUser("unfetched");
        var box = new LabMailbox(lab, user);
        await box.DropAsync(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n"), UnixFileMode.None);
        await box.AppendAsync(Numbered(user, 2));

        var sink = new ListSink();
        Receive(user, new ReceiveOptions(), sink);

        Assert.Equal(["m0001", "m0002"], sink.Messages.Select(m => m.Subject));
        Assert.Equal("MessageNotFetched", Assert.Single(sink.Errors).ErrorId);
        Assert.Contains("-FailedFolder", sink.Errors[0].Hint, StringComparison.Ordinal);
        Assert.Equal(1, await box.CountAsync(SearchQuery.NotSeen));
    }

    [Fact]
    public async Task Two_messages_with_one_Message_Id_and_Date_get_two_owner_only_files_and_a_rerun_replaces_them()
    {
        var user = MailLabFixture.NewUser("sameid");
        var box = new LabMailbox(lab, user);
        var date = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        var hostileIds = new[] { "../../../etc/passwd", "a/b\\c\u0001..\u0007" + new string('z', 3000) };
        var messages = new List<MimeMessage>();
        foreach (var id in hostileIds)
            foreach (var subject in new[] { "first", "second" })
            {
                var m = LabMailbox.NewMessage("sender@example.com", user, subject);
                m.Headers.Replace(HeaderId.MessageId, id);
                m.Date = date;
                messages.Add(m);
            }
        await box.AppendAsync(messages);
        using var parent = new TempDirectory();
        var destination = Path.Combine(parent.Path, "mail", "inbox");

        var sink = new ListSink();
        Receive(user, new ReceiveOptions { Destination = destination }, sink);

        Assert.Equal(4, sink.Messages.Count);
        var files = Directory.GetFiles(destination);
        Assert.Equal(4, files.Length);
        Assert.Equal(4, sink.Messages.Select(m => m.Path).Distinct().Count());
        Assert.All(sink.Messages, m =>
        {
            Assert.Equal(destination, Path.GetDirectoryName(m.Path));
            Assert.Matches("^20261130-080000-[0-9a-f]{32}\\.eml$", Path.GetFileName(m.Path));
            Assert.Equal(m.Subject, MimeMessage.Load(m.Path!).Subject);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(m.Path!));
        });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(destination));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(destination)!));

        var again = new ListSink();
        Receive(user, new ReceiveOptions { Destination = destination, All = true }, again);
        Assert.Equal(sink.Messages.Select(m => m.Path), again.Messages.Select(m => m.Path));
        Assert.Equal(4, Directory.GetFiles(destination).Length);
    }

    [Fact]
    public async Task Two_receives_at_once_on_one_mailbox_never_hand_on_a_message_twice()
    {
        var user = MailLabFixture.NewUser("twice");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 40));
        using var locks = new TempDirectory();
        var handed = new System.Collections.Concurrent.ConcurrentBag<uint>();
        var waited = new System.Collections.Concurrent.ConcurrentBag<string>();
        ReceiveSummary One() => Receiver(user).Receive(lab.ImapServer(user), new ReceiveOptions { LockDirectory = locks.Path }, new ListSink
        {
            OnDeliver = (m, _) => { handed.Add(m.Uid); Thread.Sleep(10); return true; },
        }, waiting: waited.Add);

        var runs = await Task.WhenAll(Task.Run(One), Task.Run(One));

        Assert.Equal(40, handed.Count);
        Assert.Equal(40, handed.Distinct().Count());
        Assert.Equal(40, runs.Sum(r => r.Delivered));
        Assert.Contains("the mailbox '" + user + "'", Assert.Single(waited), StringComparison.Ordinal);
        Assert.Equal(0, await box.CountAsync(SearchQuery.NotSeen));
    }

    [Fact]
    public void A_file_name_comes_from_the_date_and_the_bytes_only()
    {
        var date = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        var a = SHA256.HashData("one"u8);
        var b = SHA256.HashData("two"u8);

        Assert.Equal("20260102-010405-" + Convert.ToHexString(a).ToLowerInvariant()[..32] + ".eml", MailReceiver.FileName(date, a));
        Assert.NotEqual(MailReceiver.FileName(date, a), MailReceiver.FileName(date, b));
        Assert.Equal(MailReceiver.FileName(date, a), MailReceiver.FileName(date, SHA256.HashData("one"u8)));
        Assert.Matches("^[0-9a-f]{32}\\.eml$", MailReceiver.FileName(null, a));
        Assert.Equal(MailReceiver.FileName(DateTimeOffset.MaxValue, a).Length, MailReceiver.FileName(DateTimeOffset.MinValue, a).Length);
    }

    static MimeMessage[] WithAttachment(string user, int count) =>
        Enumerable.Range(1, count).Select(i => LabMailbox.NewMessage("sender@example.com", user, $"m{i:D4}", ("a.bin", new byte[2000]))).ToArray();

    [Fact]
    public async Task Connections_lost_again_and_again_while_fetching_lose_no_message_blame_none_and_hand_on_none_twice()
    {
        var user = MailLabFixture.NewUser("flaky");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(WithAttachment(user, 30));
        // Every connection is cut after 20 KB from the server: each carries a few messages, then the run reconnects.
        using var relay = new CuttingRelay(lab.ImapPort, 20_000);
        var server = lab.ImapServer(user);
        server.Port = relay.Port;
        var sink = new ListSink();

        Receiver(user).Receive(server, new ReceiveOptions { FailedFolder = "Failed" }, sink);

        Assert.Empty(sink.Errors);
        Assert.Equal(Numbered(user, 30).Select(m => m.Subject), sink.Messages.Select(m => m.Subject));
        Assert.Equal(0, await box.CountAsync(SearchQuery.NotSeen));
        Assert.Equal(0, await box.CountAsync(SearchQuery.All, "Failed"));
    }

    [Fact]
    public async Task A_connection_lost_while_fetching_is_an_error_with_a_hint_and_nothing_is_flagged()
    {
        var user = MailLabFixture.NewUser("lost");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(WithAttachment(user, 30));
        // Cut in the middle of the first batch's bodies (each message is about 3 KB; login and summaries come first), and
        // take no other connection: the connection is lost for good.
        using var relay = new CuttingRelay(lab.ImapPort, 20_000, connections: 1);
        var server = lab.ImapServer(user);
        server.Port = relay.Port;
        using var dir = new TempDirectory();
        var sink = new ListSink();

        var e = Assert.Throws<MailProtocolException>(() => Receiver(user).Receive(server, new ReceiveOptions { Destination = dir.Path }, sink));

        Assert.True(e.ErrorId is "ConnectionLost" or "ReceiveTimeout", e.ErrorId);
        Assert.NotNull(e.Hint);
        Assert.Empty(sink.Messages);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        Assert.Equal(30, await box.CountAsync(SearchQuery.NotSeen));
        var again = new ListSink();
        Receive(user, new ReceiveOptions { Destination = dir.Path }, again);
        Assert.Equal(30, again.Messages.Count);
    }
}

static class StreamExtensions
{
    public static byte[] ReadAllBytes(this Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
