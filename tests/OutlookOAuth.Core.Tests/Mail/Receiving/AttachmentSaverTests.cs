using System.Text;
using MimeKit;
using OutlookOAuth.Mail.Receiving;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Mail.Receiving;

/// <summary>Issue 16 item 5: attachments saved with names the sender chose, made safe. Hostile names from real attacks
/// (path traversal, absolute paths, drive letters, device names, bidi spoofing) and broken ones (empty, huge, bad UTF-16).</summary>
public sealed class AttachmentSaverTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("attachments-").FullName;
    string Folder => Path.Combine(_root, "in", "files");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("invoice.pdf", "invoice.pdf")]
    [InlineData("../../pwned.txt", "pwned.txt")]
    [InlineData("..\\..\\pwned.txt", "pwned.txt")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\win.ini", "win.ini")]
    [InlineData("C:evil.txt", "C_evil.txt")]
    [InlineData("report.txt:hidden", "report.txt_hidden")]
    [InlineData("..", "attachment")]
    [InlineData(".", "attachment")]
    [InlineData("", "attachment")]
    [InlineData(null, "attachment")]
    [InlineData("   ", "attachment")]
    [InlineData("dir/", "attachment")]
    [InlineData(".bashrc", "bashrc")]
    [InlineData("trailing. . .", "trailing")]
    [InlineData("a\r\nb\0c\u007f.txt", "a__b_c_.txt")]
    [InlineData("in\u202Efdp.exe", "infdp.exe")]
    [InlineData("zero\u200Bwidth.txt", "zerowidth.txt")]
    [InlineData("what?<is>|this*\".txt", "what__is__this__.txt")]
    [InlineData("CON", "_CON")]
    [InlineData("con.txt", "_con.txt")]
    [InlineData("Lpt1 .tar.gz", "_Lpt1 .tar.gz")]
    [InlineData("COM¹.txt", "_COM¹.txt")]
    [InlineData("console.txt", "console.txt")]
    [InlineData("Fa\u0301ktura.pdf", "Fáktura.pdf")]
    public void Hostile_names_become_one_plain_file_name(string? name, string expected)
    {
        var safe = AttachmentFileName.Sanitize(name);
        Assert.Equal(expected, safe);
        Assert.Equal(safe, Path.GetFileName(safe));
        Assert.DoesNotContain('/', safe);
        Assert.DoesNotContain('\\', safe);
    }

    [Fact]
    public void Broken_UTF16_is_replaced_not_refused()
    {
        Assert.Equal("lone_surrogate.txt", AttachmentFileName.Sanitize("lone" + '\uD800' + "surrogate.txt"));
        Assert.Equal("_x", AttachmentFileName.Sanitize(new string('\uDC00', 1) + "x"));
    }

    [Fact]
    public void Over_long_names_are_cut_between_characters_and_keep_their_extension()
    {
        var safe = AttachmentFileName.Sanitize(new string('é', 400) + "😀😀😀.pdf");
        Assert.True(Encoding.UTF8.GetByteCount(safe) <= AttachmentFileName.MaxBytes, safe.Length.ToString());
        Assert.EndsWith("é.pdf", safe);
        Assert.Equal(AttachmentFileName.Sanitize(safe), safe);
        var emoji = AttachmentFileName.Sanitize(string.Concat(Enumerable.Repeat("😀", 100)));
        Assert.True(Encoding.UTF8.GetByteCount(emoji) <= AttachmentFileName.MaxBytes);
        Assert.Equal(emoji.Length % 2, 0); // no half surrogate pair
    }

    static MimeMessage Message(params (string? Name, byte[] Content)[] attachments)
    {
        var body = new BodyBuilder { TextBody = "see attached" };
        foreach (var (name, content) in attachments)
        {
            var part = new MimePart("application", "octet-stream")
            {
                Content = new MimeContent(new MemoryStream(content)), ContentTransferEncoding = ContentEncoding.Base64,
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            };
            if (name is not null) part.FileName = name;
            body.Attachments.Add(part);
        }
        var message = new MimeMessage { Subject = "files", Body = body.ToMessageBody() };
        // As received: parsed back from its bytes.
        var raw = new MemoryStream();
        message.WriteTo(raw);
        raw.Position = 0;
        return MimeMessage.Load(raw);
    }

    [Fact]
    public void Nothing_is_written_outside_the_folder_and_every_byte_is_saved()
    {
        var big = Enumerable.Range(0, 10_000).Select(i => (byte)(i % 251)).ToArray();
        var message = Message(("../../pwned.txt", "pwned"u8.ToArray()), ("/tmp/x-" + Guid.NewGuid(), "abs"u8.ToArray()), ("big.bin", big), (null, "anon"u8.ToArray()));
        DestinationFolder.Prepare(Folder);
        var saver = new AttachmentSaver(Folder, force: false);

        var files = AttachmentSaver.AttachmentsOf(message).Select(a => saver.Save(a)).ToList();

        Assert.Equal(["pwned.txt", files[1].Name, "big.bin", "attachment"], files.Select(f => f.Name));
        Assert.All(files, f => Assert.Equal(Folder, f.DirectoryName));
        Assert.Equal(10_000, new FileInfo(Path.Combine(Folder, "big.bin")).Length);
        Assert.Equal(big, File.ReadAllBytes(Path.Combine(Folder, "big.bin")));
        Assert.False(File.Exists(Path.Combine(_root, "pwned.txt")));
        Assert.Equal(["files"], Directory.GetFileSystemEntries(Path.Combine(_root, "in")).Select(Path.GetFileName));
        Assert.Equal(4, Directory.GetFiles(Folder).Length); // no temporary or probe file left
        if (!OperatingSystem.IsWindows())
        {
            Assert.All(files, f => Assert.Equal(OwnerOnlyFile.FileMode, File.GetUnixFileMode(f.FullName)));
            Assert.Equal(OwnerOnlyFile.DirectoryMode, File.GetUnixFileMode(Folder));
        }
    }

    [Fact]
    public void A_taken_name_gets_a_number_and_no_file_is_overwritten_unless_forced()
    {
        DestinationFolder.Prepare(Folder);
        File.WriteAllText(Path.Combine(Folder, "report.txt"), "mine");
        var message = Message(("report.txt", "one"u8.ToArray()), ("sub/report.txt", "two"u8.ToArray()));

        var saver = new AttachmentSaver(Folder, force: false);
        Assert.Equal(Path.Combine(Folder, "report (2).txt"), saver.PlannedPath(AttachmentSaver.AttachmentsOf(message)[0]));
        var names = AttachmentSaver.AttachmentsOf(message).Select(a => saver.Save(a).Name).ToList();
        Assert.Equal(["report (2).txt", "report (3).txt"], names);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Folder, "report.txt")));

        var forced = new AttachmentSaver(Folder, force: true);
        names = AttachmentSaver.AttachmentsOf(message).Select(a => forced.Save(a).Name).ToList();
        Assert.Equal(["report.txt", "report (2).txt"], names);   // a re-run replaces; one run never repeats a name
        Assert.Equal("one", File.ReadAllText(Path.Combine(Folder, "report.txt")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(Folder, "report (2).txt")));
    }

    [Fact]
    public void A_link_planted_under_the_name_is_not_followed()
    {
        if (OperatingSystem.IsWindows()) return;
        DestinationFolder.Prepare(Folder);
        var victim = Path.Combine(_root, "victim.txt");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(Path.Combine(Folder, "a.txt"), victim);
        File.CreateSymbolicLink(Path.Combine(Folder, "b.txt"), Path.Combine(_root, "dangling"));
        var message = Message(("a.txt", "x"u8.ToArray()), ("b.txt", "y"u8.ToArray()));
        var saver = new AttachmentSaver(Folder, force: false);
        Assert.Equal(["a (2).txt", "b (2).txt"], AttachmentSaver.AttachmentsOf(message).Select(a => saver.Save(a).Name));
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.False(File.Exists(Path.Combine(_root, "dangling")));
    }

    [Fact]
    public void A_destination_that_is_a_file_or_cannot_be_written_is_a_clear_error()
    {
        var file = Path.Combine(_root, "file.txt");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<OutlookOAuthException>(() => DestinationFolder.Prepare(file));
        Assert.Equal(("DestinationIsFile", FailureKind.InvalidArgument, file), (e.ErrorId, e.Kind, e.Target));
        Assert.Contains(file, e.Message);
        Assert.NotNull(e.Hint);

        var under = Assert.Throws<OutlookOAuthException>(() => DestinationFolder.Prepare(Path.Combine(file, "sub")));
        Assert.Equal("DestinationNotWritable", under.ErrorId);

        if (!OperatingSystem.IsLinux()) return;
        foreach (var proc in new[] { "/proc", "/proc/outlookoauth-destination" })
        {
            var p = Assert.Throws<OutlookOAuthException>(() => DestinationFolder.Prepare(proc));
            Assert.Equal("DestinationNotWritable", p.ErrorId);
            Assert.Contains(proc, p.Message);
        }
    }

    [Fact]
    public void Only_messages_and_parts_have_attachments()
    {
        var e = Assert.Throws<OutlookOAuthException>(() => AttachmentSaver.AttachmentsOf("C:\\secret.txt"));
        Assert.Equal("NotAMessage", e.ErrorId);
        var inner = new MimeMessage { Subject = "Fwd: ../../x" , Body = new TextPart("plain") { Text = "hi" } };
        var outer = new MimeMessage { Body = new Multipart("mixed") { new TextPart("plain") { Text = "fwd" }, new MessagePart { Message = inner, ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) } } };
        Assert.Equal("x.eml", AttachmentSaver.AttachmentsOf(outer).Single().FileName);
    }
}
