using System.Security.Cryptography;
using MailKit;
using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Tests.Configuration;
using OutlookOAuth.Tests.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Sending;

/// <summary>Messages sent through the lab's real Postfix arrive in Dovecot, read back over IMAP.</summary>
[Collection(MailLabCollection.Name)]
public class MailSenderLabTests(MailLabFixture lab)
{
    MailClientConnector Connector() => new(new MailClientOptions { Trust = lab.Trust, Timeout = TimeSpan.FromSeconds(15) });

    FixedTokenProvider SmtpTokens(TimeSpan? lifetime = null) =>
        new(s => new AccessToken(lab.Token(s.Username, lab.SmtpScope, lifetime), DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromHours(1)), s.Username));

    /// <summary>One server signed in as <paramref name="user"/> with the domain as FROM filter; notifications@example.com
    /// and a bounce address that is the user itself (the lab's Postfix only lets a user be its own MAIL FROM).</summary>
    MailSenderResolver Resolver(string user, bool bounceIsUser = true)
    {
        var server = lab.SmtpServer(user);
        server.FromFilter = MailLabFixture.Domain;
        var config = new OutlookConfiguration();
        config.OutgoingServers.Add(server);
        // Without a catchall domain there is no bounce address: MAIL FROM is the From address.
        config.Parameters[SystemParameters.DefaultFrom] = "notifications@" + MailLabFixture.Domain;
        if (bounceIsUser)
        {
            config.Parameters[SystemParameters.CatchallDomain] = MailLabFixture.Domain;
            config.Parameters[SystemParameters.BounceAlias] = user[..user.IndexOf('@')];
        }
        return new MailSenderResolver(config);
    }

    async Task<List<MimeMessage>> InboxAsync(string user, int expected)
    {
        var tokens = new FixedTokenProvider(lab.Token(user, lab.ImapScope));
        using var imap = await Connector().ConnectImapAsync(lab.ImapServer(user), tokens, null, default);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            if (imap.Inbox.Count >= expected || DateTime.UtcNow > deadline) break;
            await imap.Inbox.CloseAsync();
            await Task.Delay(100);
        }
        var messages = new List<MimeMessage>();
        for (var i = 0; i < imap.Inbox.Count; i++) messages.Add(await imap.Inbox.GetMessageAsync(i));
        await imap.DisconnectAsync(true);
        return messages;
    }

    [Fact]
    public async Task A_message_arrives_with_its_parts_attachment_bytes_From_rewrite_Reply_To_Return_Path_and_no_Bcc_header()
    {
        var alice = MailLabFixture.NewUser("alice");
        var bob = MailLabFixture.NewUser("bob");
        var hidden = MailLabFixture.NewUser("hidden");
        using var dir = new TempDirectory();
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var path = Path.Combine(dir.Path, "data.bin");
        await File.WriteAllBytesAsync(path, bytes);

        using var sender = new MailSender(SmtpTokens(), Connector());
        using var mail = MailComposer.Prepare(new MailRequest
        {
            From = "Carol Client <carol@my_host.example>", To = [bob], Bcc = [hidden], Subject = "Quarterly figures",
            Body = "<p>Hello <b>Bob</b></p>", BodyAsHtml = true, Attachments = [path],
        }, Resolver(alice));
        var result = await sender.SendAsync(mail, default);

        Assert.Equal(alice, result.Server);
        Assert.Equal(alice, result.EnvelopeFrom);
        Assert.True(result.FromRewritten);
        Assert.Equal([bob, hidden], result.Accepted);
        Assert.Empty(result.Refused);
        Assert.StartsWith("2.0.0", result.Reply);

        var received = Assert.Single(await InboxAsync(bob, 1));
        Assert.Equal(result.MessageId, received.MessageId);
        Assert.Equal(("Carol Client", "notifications@example.com"), (received.From.Mailboxes.Single().Name, received.From.Mailboxes.Single().Address));
        Assert.Equal("carol@my_host.example", received.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal($"<{alice}>", received.Headers[HeaderId.ReturnPath]);
        Assert.Empty(received.Bcc);
        Assert.DoesNotContain(received.Headers, h => h.Id == HeaderId.Bcc);
        Assert.DoesNotContain(hidden, received.ToString());
        Assert.Equal("Hello Bob", received.TextBody!.Trim());
        Assert.Contains("<b>Bob</b>", received.HtmlBody);
        var attachment = Assert.IsType<MimePart>(received.Attachments.Single());
        Assert.Equal("data.bin", attachment.FileName);
        using var content = new MemoryStream();
        await attachment.Content!.DecodeToAsync(content);
        Assert.Equal(bytes, content.ToArray());

        var copy = Assert.Single(await InboxAsync(hidden, 1));
        Assert.Equal(result.MessageId, copy.MessageId);
    }

    [Fact]
    public async Task A_pipeline_reuses_one_connection_and_one_token()
    {
        var alice = MailLabFixture.NewUser("alice");
        var bob = MailLabFixture.NewUser("bob");
        var tokens = SmtpTokens();
        var resolver = Resolver(alice);
        using var sender = new MailSender(tokens, Connector());
        for (var i = 0; i < 20; i++)
        {
            using var mail = MailComposer.Prepare(new MailRequest { From = alice, To = [bob], Subject = $"n{i}", Body = "x" }, resolver);
            var result = await sender.SendAsync(mail, default);
            Assert.False(result.FromRewritten);
        }
        Assert.Equal(1, sender.ConnectionsOpened);
        Assert.Equal(1, tokens.Calls);
        Assert.Equal(20, (await InboxAsync(bob, 20)).Count);
    }

    [Fact]
    public async Task A_token_near_expiry_is_replaced_mid_pipeline_by_a_new_connection_with_a_fresh_token()
    {
        var alice = MailLabFixture.NewUser("alice");
        var bob = MailLabFixture.NewUser("bob");
        var tokens = SmtpTokens(TimeSpan.FromMinutes(2)); // inside the 5-minute margin: every message needs a fresh one
        var resolver = Resolver(alice);
        using var sender = new MailSender(tokens, Connector());
        for (var i = 0; i < 3; i++)
        {
            using var mail = MailComposer.Prepare(new MailRequest { From = alice, To = [bob], Subject = $"t{i}", Body = "x" }, resolver);
            await sender.SendAsync(mail, default);
        }
        Assert.Equal(3, tokens.Calls);
        Assert.Equal(3, sender.ConnectionsOpened);
        Assert.Equal(3, (await InboxAsync(bob, 3)).Count);
    }

    [Fact]
    public async Task A_refused_sender_is_an_error_with_the_reply_and_a_hint_and_the_connection_goes_on()
    {
        var alice = MailLabFixture.NewUser("alice");
        var bob = MailLabFixture.NewUser("bob");
        var other = MailLabFixture.NewUser("other");
        var resolver = Resolver(alice, bounceIsUser: false);
        using var sender = new MailSender(SmtpTokens(), Connector());
        using (var refused = MailComposer.Prepare(new MailRequest { From = other, To = [bob], Subject = "spoof", Body = "x" }, resolver))
        {
            var e = await Assert.ThrowsAsync<MailSendException>(() => sender.SendAsync(refused, default));
            Assert.Equal("SendAsDenied", e.ErrorId);
            Assert.Contains("not owned by user", e.ServerReply);
            Assert.Contains("Add-RecipientPermission", e.Hint);
            Assert.Equal(553, e.StatusCode);
        }
        using var good = MailComposer.Prepare(new MailRequest { From = alice, To = [bob], Subject = "ok", Body = "x" }, resolver);
        await sender.SendAsync(good, default);
        Assert.Equal(1, sender.ConnectionsOpened);
        Assert.Equal("ok", Assert.Single(await InboxAsync(bob, 1)).Subject);
    }

    [Fact]
    public async Task A_refused_token_is_an_authentication_error_and_nothing_is_sent()
    {
        var alice = MailLabFixture.NewUser("alice");
        var bob = MailLabFixture.NewUser("bob");
        var wrongScope = new FixedTokenProvider(s => new AccessToken(lab.Token(s.Username, lab.ImapScope), DateTimeOffset.UtcNow.AddHours(1), s.Username));
        using var sender = new MailSender(wrongScope, Connector());
        using var mail = MailComposer.Prepare(new MailRequest { From = alice, To = [bob], Subject = "no", Body = "x" }, Resolver(alice));
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => sender.SendAsync(mail, default));
        Assert.Equal(ConnectionTestStage.Authenticate, e.Stage);
        Assert.NotNull(e.Hint);
        Assert.Empty(await InboxAsync(bob, 0));
    }
}
