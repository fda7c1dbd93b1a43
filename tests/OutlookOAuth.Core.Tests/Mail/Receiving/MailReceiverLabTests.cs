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
            Assert.Equal(MailReceiver.FileName(m.MessageId, m.Date, m.UidValidity, m.Uid), Path.GetFileName(m.Path));
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
    public async Task A_connection_lost_while_fetching_is_an_error_with_a_hint_and_nothing_is_flagged()
    {
        var user = MailLabFixture.NewUser("lost");
        var box = new LabMailbox(lab, user);
        await box.AppendAsync(Numbered(user, 30));
        // Cut in the middle of the first batch's bodies (each message is about 1 KB; login and summaries come first).
        using var relay = new CuttingRelay(lab.ImapPort, 20_000);
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
