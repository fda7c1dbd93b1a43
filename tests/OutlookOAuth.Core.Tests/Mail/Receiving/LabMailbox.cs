using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Receiving;

namespace OutlookOAuth.Tests.Mail.Receiving;

/// <summary>Puts mail into a lab mailbox (real delivery through Postfix, or IMAP APPEND for volume) and reads its state back.</summary>
public sealed class LabMailbox(MailLabFixture lab, string user)
{
    public string User { get; } = user;

    MailClientConnector Connector => new(new MailClientOptions { Trust = lab.Trust, Timeout = TimeSpan.FromSeconds(20) });

    public static MimeMessage NewMessage(string from, string to, string subject, params (string Name, byte[] Bytes)[] attachments)
    {
        var builder = new BodyBuilder { TextBody = $"Body of {subject}" };
        foreach (var (name, bytes) in attachments) builder.Attachments.Add(name, bytes);
        var message = new MimeMessage { Subject = subject, Body = builder.ToMessageBody() };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("receive.test");
        return message;
    }

    /// <summary>Sends through the lab's Postfix (authenticated submission as <paramref name="sender"/>) and waits until all arrived.</summary>
    public async Task DeliverAsync(string sender, IEnumerable<MimeMessage> messages)
    {
        var before = await CountAsync(SearchQuery.All);
        var n = 0;
        using (var smtp = await Connector.ConnectSmtpAsync(lab.SmtpServer(sender), new FixedTokenProvider(lab.Token(sender, lab.SmtpScope)), null, default))
        {
            foreach (var m in messages) { await smtp.SendAsync(m); n++; }
            await smtp.DisconnectAsync(true);
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await CountAsync(SearchQuery.All) < before + n)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{n} messages did not arrive in {User}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Appends messages with IMAP (fast; for volume).</summary>
    public async Task AppendAsync(IEnumerable<MimeMessage> messages, string folder = "INBOX", MessageFlags flags = MessageFlags.None)
    {
        using var imap = await ConnectAsync();
        var target = await FolderAsync(imap, folder, create: true);
        var requests = messages.Select(m => (IAppendRequest)new AppendRequest(m, flags)).ToList();
        for (var i = 0; i < requests.Count; i += 200)
            await target.AppendAsync(requests.Skip(i).Take(200).ToList());
        await imap.DisconnectAsync(true);
    }

    public async Task<ImapClient> ConnectAsync() =>
        await Connector.ConnectImapAsync(lab.ImapServer(User), new FixedTokenProvider(lab.Token(User, lab.ImapScope)), null, default);

    static async Task<IMailFolder> FolderAsync(ImapClient imap, string folder, bool create = false)
    {
        if (folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return imap.Inbox;
        try { return await imap.GetFolderAsync(folder); }
        catch (FolderNotFoundException) when (create) { return (await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync(folder, true))!; }
    }

    public async Task<int> CountAsync(SearchQuery query, string folder = "INBOX") => (await UidsAsync(query, folder)).Count;

    /// <summary>Subjects of the messages matching <paramref name="query"/>, in UID order.</summary>
    public async Task<List<string>> SubjectsAsync(SearchQuery query, string folder = "INBOX")
    {
        using var imap = await ConnectAsync();
        var f = await FolderAsync(imap, folder);
        await f.OpenAsync(FolderAccess.ReadOnly);
        var uids = await f.SearchAsync(query);
        var subjects = uids.Count == 0 ? [] : (await f.FetchAsync(uids, MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId))
            .OrderBy(s => s.UniqueId.Id).Select(s => s.Envelope!.Subject ?? "").ToList();
        await imap.DisconnectAsync(true);
        return subjects;
    }

    async Task<IList<UniqueId>> UidsAsync(SearchQuery query, string folder)
    {
        using var imap = await ConnectAsync();
        var f = await FolderAsync(imap, folder);
        await f.OpenAsync(FolderAccess.ReadOnly);
        var uids = await f.SearchAsync(query);
        await imap.DisconnectAsync(true);
        return uids;
    }

    /// <summary>Puts raw bytes into the user's Maildir as a new message (for a message IMAP APPEND would refuse); with
    /// <paramref name="mode"/> the file gets those permissions (0000: the server cannot read it). Dovecot sees it at the
    /// next look at the folder.</summary>
    public async Task DropAsync(byte[] bytes, UnixFileMode? mode = null)
    {
        await CountAsync(SearchQuery.All); // the Maildir exists once the mailbox was opened
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.drop{Guid.NewGuid():N}.lab";
        var temp = Path.Combine(Maildir, "tmp", name);
        File.WriteAllBytes(temp, bytes);
        if (mode is { } m) File.SetUnixFileMode(temp, m);
        File.Move(temp, Path.Combine(Maildir, "new", name));
    }

    /// <summary>The Maildir of the user (for a message the IMAP server would not accept).</summary>
    public string Maildir => Path.Combine(lab.Env("OUTLOOKOAUTH_LAB_DIR") ?? MailLabFixture.DefaultLabDir, "mail", MailLabFixture.Domain,
        User.Split('@')[0], "Maildir");
}

/// <summary>Collects what the receiver hands on; can throw or stop at a given message.</summary>
public sealed class ListSink : IReceiveSink
{
    public List<ReceivedMessage> Messages { get; } = new();
    public List<MessageReceiveException> Errors { get; } = new();
    public List<ReceiveProgress> Progresses { get; } = new();
    public Func<ReceivedMessage, int, bool>? OnDeliver { get; init; }

    public bool Deliver(ReceivedMessage message)
    {
        var go = OnDeliver?.Invoke(message, Messages.Count) ?? true;
        Messages.Add(message);
        return go;
    }

    public void Failed(MessageReceiveException error) => Errors.Add(error);

    public void Progress(ReceiveProgress progress) => Progresses.Add(progress);
}
