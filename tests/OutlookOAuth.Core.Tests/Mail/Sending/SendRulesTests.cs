using System.Diagnostics;
using MimeKit;
using OutlookOAuth.Mail.Receiving;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Selection;
using Xunit;
using MailboxAddress = MimeKit.MailboxAddress;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Sending;

/// <summary>Send-OutlookMail's rules for what it is given (issue 16, items 10 and 13): a ready message is never turned
/// into a new one, cells and header values are checked, attachments must be regular files, the journal's keys.</summary>
public class SendRulesTests
{
    static MailSenderResolver PerUserResolver() => new(PerUser());
    static readonly HashSet<string> None = new();

    static MimeMessage Hostile()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Stranger", "john@example.com"));
        message.To.Add(new MailboxAddress("", "victim@partner.test"));
        message.Subject = "forward me";
        var body = new Multipart("mixed") { new TextPart("plain") { Text = "x" } };
        body.Add(new MimePart("text", "plain") { FileName = "/etc/hostname", Content = new MimeContent(new MemoryStream("stranger"u8.ToArray())) });
        message.Body = body;
        return message;
    }

    [Fact]
    public void A_piped_received_message_is_sent_as_it_is_and_what_PowerShell_bound_from_its_properties_is_dropped()
    {
        var received = new ReceivedMessage { Server = "in", Uid = 7, To = ["victim@partner.test"], Attachments = ["/etc/hostname"], Message = Hostile() };
        var request = new SendParameters
        {
            To = received.To, Subject = "forward me", AttachmentPath = received.Attachments, Attachment = received.Attachments, From = "john@example.com",
            Input = received, FromPipeline = true, Row = 1, CommandLine = None,
        }.ToRequest(p => throw new InvalidOperationException($"no path may be resolved: {p}"));
        Assert.Same(received.Message, request.Message);
        Assert.Empty(request.Attachments);
        Assert.Empty(request.To);
        Assert.Null(request.From);
        using var mail = MailComposer.Prepare(request, PerUserResolver());
        Assert.Equal(["victim@partner.test"], mail.Recipients.Select(r => r.Address));
        Assert.Equal("/etc/hostname", Assert.IsType<MimePart>(mail.Message.Attachments.Single()).FileName);
    }

    [Fact]
    public void A_message_with_parameters_typed_on_the_command_line_is_refused_naming_them_but_From_applies()
    {
        var input = Hostile();
        var e = Assert.Throws<MailSendException>(() => new SendParameters
        {
            To = ["boss@partner.test"], Attachment = ["secret.txt"], Input = input, FromPipeline = true, CommandLine = new HashSet<string> { "To", "Attachment" },
        }.ToRequest(p => p));
        Assert.Equal("AmbiguousMessage", e.ErrorId);
        Assert.Contains("-To, -Attachment", e.Message);

        input.From.Clear();
        input.From.Add(new MailboxAddress("Stranger", "stranger@partner.test"));
        var request = new SendParameters { From = "John <john@example.com>", Input = input, FromPipeline = true, CommandLine = new HashSet<string> { "From" } }.ToRequest(p => p);
        using var mail = MailComposer.Prepare(request, PerUserResolver());
        Assert.Equal("john@example.com", mail.Message.From.Mailboxes.Single().Address);
        Assert.Equal("john@example.com", mail.EnvelopeFrom.Address);
        Assert.False(mail.Resolution.FromRewritten);
    }

    [Fact]
    public void Message_takes_messages_only()
    {
        var e = Assert.Throws<MailSendException>(() => new SendParameters { Input = "a text", FromPipeline = false }.ToRequest(p => p));
        Assert.Equal("InvalidMessage", e.ErrorId);
    }

    [Theory]
    [InlineData("high", MailPriority.High)]
    [InlineData(" Low ", MailPriority.Low)]
    [InlineData("", MailPriority.Normal)]
    public void Priority_cells_are_read_by_name(string cell, MailPriority expected) =>
        Assert.Equal(expected, new SendParameters { Priority = cell, Input = new object(), FromPipeline = true, Row = 3, CommandLine = None }.ToRequest(p => p).Priority);

    [Fact]
    public void A_bad_Priority_cell_names_its_row_and_column()
    {
        var e = Assert.Throws<MailSendException>(() => new SendParameters { Priority = "Urgent", Input = new object(), FromPipeline = true, Row = 4, CommandLine = None }.ToRequest(p => p));
        Assert.Equal("InvalidColumnValue", e.ErrorId);
        Assert.Equal("Row 4, column 'Priority': 'Urgent' is not valid; expected one of Normal, Low, High.", e.Message);
        e = Assert.Throws<MailSendException>(() => new SendParameters { Priority = "Urgent", CommandLine = new HashSet<string> { "Priority" } }.ToRequest(p => p));
        Assert.Equal("InvalidPriority", e.ErrorId);
    }

    [Theory]
    [InlineData("Subject", "InvalidSubject")]
    [InlineData("From", "InvalidAddress")]
    [InlineData("To", "InvalidAddress")]
    [InlineData("MessageId", "InvalidMessageId")]
    public void A_line_break_in_a_header_value_is_refused(string field, string errorId)
    {
        var request = field switch
        {
            "Subject" => new MailRequest { From = "john@example.com", To = ["x@partner.test"], Subject = "a\r\nBcc: evil@partner.test" },
            "From" => new MailRequest { From = "John\r\nBcc: evil@partner.test <john@example.com>", To = ["x@partner.test"] },
            "To" => new MailRequest { From = "john@example.com", To = ["X\n <x@partner.test>"] },
            _ => new MailRequest { From = "john@example.com", To = ["x@partner.test"], MessageId = "a\r\n@b" },
        };
        Assert.Equal(errorId, Assert.Throws<MailSendException>(() => MailComposer.Prepare(request, PerUserResolver())).ErrorId);
    }

    [Fact]
    public void A_MessageId_is_used_as_given_and_must_look_like_one()
    {
        using var mail = MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"], MessageId = "row-7@mailing.example.com" }, PerUserResolver());
        Assert.Equal("row-7@mailing.example.com", mail.MessageId);
        Assert.Equal("InvalidMessageId", Assert.Throws<MailSendException>(() =>
            MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"], MessageId = "no at sign" }, PerUserResolver())).ErrorId);
    }

    [Fact]
    public void A_folder_or_a_FIFO_as_attachment_is_refused_at_once_for_what_it_is()
    {
        var folder = Directory.CreateTempSubdirectory("send-rules-").FullName;
        try
        {
            MailSendException Attach(string path) => Assert.Throws<MailSendException>(() =>
                MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"], Attachments = [path] }, PerUserResolver()));
            var e = Attach(folder);
            Assert.Equal("AttachmentIsFolder", e.ErrorId);
            Assert.Contains("is a folder", e.Message);
            if (OperatingSystem.IsWindows()) return;
            var fifo = Path.Combine(folder, "pipe");
            Process.Start("mkfifo", fifo).WaitForExit();
            var watch = Stopwatch.StartNew();
            e = Attach(fifo);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Equal("AttachmentNotRegularFile", e.ErrorId);
            Assert.Contains("FIFO", e.Message);
            Assert.Equal("regular file", AttachmentStream.FileType("/etc/hostname"));
            Assert.Equal("character device", AttachmentStream.FileType("/dev/null"));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void The_journal_gives_each_row_the_same_key_on_a_re_run_and_forgets_a_line_cut_short()
    {
        var folder = Directory.CreateTempSubdirectory("send-journal-").FullName;
        var path = Path.Combine(folder, "mailing.journal");
        try
        {
            var row = new MailRequest { From = "john@example.com", To = ["x@partner.test"], Subject = "s", Body = "b" };
            string?[] keys;
            using (var journal = SendJournal.Open(path))
            using (var one = MailComposer.Prepare(row, PerUserResolver()))
            using (var two = MailComposer.Prepare(row, PerUserResolver()))
            {
                keys = [journal.KeyOf(row, one), journal.KeyOf(row, two)];
                Assert.NotEqual(keys[0], keys[1]); // the same row twice in a CSV is two messages
                journal.Record(keys[0], new MailSendResult { MessageId = one.MessageId, Server = "s", From = "f", Sender = "f", EnvelopeFrom = "f", Reply = "ok" });
                Assert.True(journal.Contains(keys[0]));
            }
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            File.AppendAllText(path, "sha256:cut-short"); // a crash while writing
            using (var again = SendJournal.Open(path))
            using (var one = MailComposer.Prepare(row, PerUserResolver()))
            using (var two = MailComposer.Prepare(row, PerUserResolver()))
            {
                Assert.Equal(1, again.Count);
                Assert.Equal(keys[0], again.KeyOf(row, one));
                Assert.True(again.Contains(keys[0]));
                Assert.False(again.Contains(again.KeyOf(row, two)));
                Assert.Equal("JournalUnavailable", Assert.Throws<MailSendException>(() => SendJournal.Open(path)).ErrorId); // one run at a time
            }
            var withId = new MailRequest { From = "john@example.com", To = ["x@partner.test"], MessageId = "row-1@mailing.example.com" };
            using (var journal = SendJournal.Open(path))
            using (var mail = MailComposer.Prepare(withId, PerUserResolver()))
                Assert.Equal("id:row-1@mailing.example.com", journal.KeyOf(withId, mail));
        }
        finally { Directory.Delete(folder, true); }
    }
}
