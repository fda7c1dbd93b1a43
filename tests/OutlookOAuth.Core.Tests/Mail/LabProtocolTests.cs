using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>The protocol client against the real Postfix and Dovecot of the lab.</summary>
[Collection(MailLabCollection.Name)]
public class LabProtocolTests(MailLabFixture lab)
{
    MailConnectionOptions Options(ITranscriptSink? transcript = null) => new() { Trust = lab.Trust, Timeout = TimeSpan.FromSeconds(10), Transcript = transcript };

    [Fact]
    public async Task Smtp_STARTTLS_then_XOAUTH2_is_accepted_with_235()
    {
        var user = MailLabFixture.NewUser("alice");
        await using var smtp = await SmtpSession.ConnectAsync(lab.Host, lab.SmtpPort, SmtpEncryption.StartTls, Options());
        Assert.True(smtp.Connection.IsEncrypted);
        Assert.True(smtp.SupportsAuthentication("XOAUTH2"));
        var reply = await smtp.AuthenticateXOAuth2Async(user, lab.Token(user, lab.SmtpScope));
        Assert.Equal(235, reply.Code);
        Assert.Equal("2.7.0", reply.EnhancedCode);
        Assert.Equal(221, (await smtp.QuitAsync()).Code);
    }

    [Fact]
    public async Task Smtp_does_not_offer_AUTH_before_STARTTLS_and_the_client_refuses_to_send_a_token_in_clear()
    {
        await using var connection = await MailConnection.OpenAsync(lab.Host, lab.SmtpPort, Options());
        var smtp = new SmtpSession(connection);
        await smtp.ReadGreetingAsync();
        await smtp.EhloAsync();
        Assert.True(smtp.Supports("STARTTLS"));
        Assert.False(smtp.SupportsAuthentication("XOAUTH2"));
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => smtp.AuthenticateXOAuth2Async("a@example.com", "token"));
        Assert.Equal(MailFailure.NotSupported, e.Failure);
    }

    [Fact]
    public async Task Smtp_rejected_token_gets_535_after_the_error_challenge_is_answered()
    {
        var user = MailLabFixture.NewUser("alice");
        var forged = lab.Issuer.Mint(user, [lab.SmtpScope], signWith: lab.ForeignKey);
        var transcript = new TranscriptBuffer();
        await using var smtp = await SmtpSession.ConnectAsync(lab.Host, lab.SmtpPort, SmtpEncryption.StartTls, Options(transcript));
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => smtp.AuthenticateXOAuth2Async(user, forged));
        Assert.Equal(535, e.Reply.Code);
        Assert.StartsWith("5.7.", e.Reply.EnhancedCode);
        Assert.NotNull(e.Challenge);
        Assert.Contains("\"status\"", e.Challenge);
        // The session is still usable: the server answered the empty line, it did not drop us.
        Assert.Equal(221, (await smtp.QuitAsync()).Code);
        Assert.DoesNotContain(forged, transcript.ToString());
    }

    [Fact]
    public async Task A_message_sent_over_SMTP_arrives_intact_over_IMAP_dot_stuffing_included()
    {
        var user = MailLabFixture.NewUser("bob");
        var subject = "lab " + Guid.NewGuid().ToString("N");
        var body = $"Subject: {subject}\r\nFrom: <{user}>\r\nTo: <{user}>\r\n\r\nfirst line\r\n.\r\n.leading dot\r\n..two dots\r\nlast line\r\n";
        await using (var smtp = await SmtpSession.ConnectAsync(lab.Host, lab.SmtpPort, SmtpEncryption.StartTls, Options()))
        {
            await smtp.AuthenticateXOAuth2Async(user, lab.Token(user, lab.SmtpScope));
            var sent = await smtp.SendMessageAsync(user, [user], Encoding.ASCII.GetBytes(body));
            Assert.Equal(250, sent.Code);
            await smtp.QuitAsync();
        }

        await using var imap = await ImapSession.ConnectAsync(lab.Host, lab.ImapPort, ssl: true, Options());
        await imap.AuthenticateXOAuth2Async(user, lab.Token(user, lab.ImapScope));
        ImapMailbox inbox = null!;
        for (var i = 0; i < 50; i++) // delivery through LMTP takes a moment
        {
            inbox = await imap.SelectAsync();
            if (inbox.Exists > 0) break;
            await Task.Delay(100);
        }
        Assert.Equal(1, inbox.Exists);
        Assert.NotNull(inbox.UidValidity);
        var search = await imap.CommandAsync($"SEARCH SUBJECT {ImapSession.Quote(subject)}");
        Assert.Equal([1L], search.Untagged.Single(r => r.Keyword == "SEARCH").Data.Select(t => t.Number));
        var fetch = await imap.CommandAsync("FETCH 1 (FLAGS BODY.PEEK[TEXT])");
        var items = fetch.Untagged.Single(r => r.Keyword == "FETCH").Data[0].Items;
        var text = items.SkipWhile(t => t.Text != "BODY[TEXT]").Skip(1).First();
        Assert.Equal(ImapTokenKind.Literal, text.Kind);
        Assert.Equal("first line\r\n.\r\n.leading dot\r\n..two dots\r\nlast line\r\n", text.AsString());
        await imap.LogoutAsync();
    }

    [Fact]
    public async Task Imap_XOAUTH2_with_SASL_IR_then_SELECT_INBOX()
    {
        var user = MailLabFixture.NewUser("alice");
        var transcript = new TranscriptBuffer();
        await using var imap = await ImapSession.ConnectAsync(lab.Host, lab.ImapPort, ssl: true, Options(transcript));
        Assert.True(imap.Supports("AUTH=XOAUTH2"));
        Assert.True(imap.Supports("SASL-IR"));
        var token = lab.Token(user, lab.ImapScope);
        var result = await imap.AuthenticateXOAuth2Async(user, token);
        Assert.Equal(ImapStatus.Ok, result.Completion.Status);
        Assert.True(imap.IsAuthenticated);
        var inbox = await imap.SelectAsync();
        Assert.Equal(0, inbox.Exists);
        Assert.False(inbox.ReadOnly);
        Assert.Contains("\\Seen", inbox.Flags);
        await imap.LogoutAsync();

        var text = transcript.ToString();
        Assert.Matches(@"C: A000\d AUTHENTICATE XOAUTH2 <redacted>\n", text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(XOAuth2.InitialResponse(user, token), text);
        Assert.Contains("S: * OK", text);
    }

    [Fact]
    public async Task Imap_rejected_token_answers_the_error_continuation_and_gets_NO()
    {
        var user = MailLabFixture.NewUser("alice");
        await using var imap = await ImapSession.ConnectAsync(lab.Host, lab.ImapPort, ssl: true, Options());
        var e = await Assert.ThrowsAsync<ImapCommandException>(() => imap.AuthenticateXOAuth2Async(user, lab.Token(user, lab.ImapScope, TimeSpan.FromMinutes(-5))));
        Assert.Equal(ImapStatus.No, e.Response.Status);
        Assert.Equal("AUTHENTICATIONFAILED", e.Response.ResponseCodeName);
        Assert.Contains("\"status\"", e.Challenge);
        // Still in sync: the next command works.
        Assert.NotEmpty(await imap.CapabilityAsync());
    }

    [Fact]
    public async Task Imap_without_SASL_IR_uses_the_continuation()
    {
        // Dovecot offers SASL-IR; pretend it does not by sending the command without initial response ourselves.
        var user = MailLabFixture.NewUser("alice");
        await using var imap = await ImapSession.ConnectAsync(lab.Host, lab.ImapPort, ssl: true, Options());
        var sasl = XOAuth2.InitialResponse(user, lab.Token(user, lab.ImapScope));
        var continuations = 0;
        var result = await imap.CommandAsync("AUTHENTICATE XOAUTH2", null, _ => { continuations++; return sasl; });
        Assert.Equal(1, continuations);
        Assert.Equal(ImapStatus.Ok, result.Completion.Status);
    }
}
