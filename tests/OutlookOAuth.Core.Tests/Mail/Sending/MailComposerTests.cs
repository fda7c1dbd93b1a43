using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;
using OutlookOAuth.Tests.Configuration;
using Xunit;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Sending;

/// <summary>Composition and Odoo's sending rules, without a server.</summary>
public class MailComposerTests
{
    static MailSenderResolver PerUserResolver() => new(PerUser());

    [Fact]
    public void A_sender_with_its_own_server_keeps_its_From_and_is_its_own_envelope()
    {
        using var mail = MailComposer.Prepare(new MailRequest { From = "John <john@example.com>", To = ["x@partner.test"], Subject = "s", Body = "b" }, PerUserResolver());
        Assert.Equal("john", mail.Resolution.ServerName);
        Assert.Equal("john@example.com", mail.Message.From.Mailboxes.Single().Address);
        Assert.Empty(mail.Message.ReplyTo);
        Assert.Equal("john@example.com", mail.EnvelopeFrom.Address);
    }

    [Fact]
    public void A_sender_without_a_server_is_rewritten_to_the_notifications_address_with_Reply_To_the_sender()
    {
        using var mail = MailComposer.Prepare(new MailRequest { From = "Carol Client <carol@partner.test>", To = ["john@example.com"] }, PerUserResolver());
        Assert.Equal("notifications", mail.Resolution.ServerName);
        var from = mail.Message.From.Mailboxes.Single();
        Assert.Equal(("Carol Client", "notifications@example.com"), (from.Name, from.Address));
        Assert.Equal("carol@partner.test", mail.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal("notifications@example.com", mail.EnvelopeFrom.Address);
    }

    [Fact]
    public void The_envelope_is_the_bounce_address_when_the_chosen_servers_filter_accepts_it()
    {
        var config = Config([Out("domain", "example.com", username: "alice@example.com")],
            (SystemParameters.CatchallDomain, "example.com"), (SystemParameters.BounceAlias, "bounces"));
        using var mail = MailComposer.Prepare(new MailRequest { From = "jane@example.com", To = ["x@partner.test"] }, new MailSenderResolver(config));
        Assert.Equal("bounces@example.com", mail.EnvelopeFrom.Address);
        Assert.Equal("jane@example.com", mail.Message.From.Mailboxes.Single().Address);
    }

    [Theory]
    [InlineData("test@my_host.example")]
    [InlineData("App <noreply@my_host.example>")]
    [InlineData("jane@localhost")]
    public void Senders_are_taken_as_liberally_as_Odoo_takes_them(string sender)
    {
        using var mail = MailComposer.Prepare(new MailRequest { From = sender, To = ["john@example.com"] }, PerUserResolver());
        Assert.True(mail.Resolution.FromRewritten);
        Assert.Equal("notifications@example.com", mail.Message.From.Mailboxes.Single().Address);
        Assert.Contains("@", mail.Message.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal(MailboxAddressOf(sender), mail.Message.ReplyTo.Mailboxes.Single().Address);
    }

    static string MailboxAddressOf(string s) => OutlookOAuth.Selection.MailboxAddress.Parse(s).AddressAsWritten;

    [Fact]
    public void Html_bodies_get_a_text_alternative_and_priority_headers()
    {
        using var mail = MailComposer.Prepare(new MailRequest
        {
            From = "john@example.com", To = ["x@partner.test"], Body = "<p>Hello <b>World</b> &amp; all</p><script>x()</script>", BodyAsHtml = true, Priority = MailPriority.High,
        }, PerUserResolver());
        var alternative = Assert.IsType<MultipartAlternative>(mail.Message.Body);
        Assert.Equal("Hello World & all", alternative.TextBody!.Trim());
        Assert.Contains("<b>World</b>", alternative.HtmlBody);
        Assert.Equal(MessagePriority.Urgent, mail.Message.Priority);
        Assert.Equal(XMessagePriority.High, mail.Message.XPriority);
    }

    [Fact]
    public void Attachments_are_streamed_from_their_files_not_copied_into_memory()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "report.pdf");
        File.WriteAllBytes(path, new byte[100_000]);
        using var mail = MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"], Body = "see attached", Attachments = [path] }, PerUserResolver());
        var attachment = Assert.IsType<MimePart>(mail.Message.Attachments.Single());
        Assert.Equal("report.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
        Assert.IsType<AttachmentStream>(attachment.Content!.Stream); // over the file: read while the message is written
    }

    [Fact]
    public void A_Message_Id_is_made_on_the_senders_domain_and_Bcc_recipients_are_in_the_envelope()
    {
        using var mail = MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["a@partner.test, b@partner.test"], Cc = ["c@partner.test"], Bcc = ["d@partner.test", "a@partner.test"] }, PerUserResolver());
        Assert.EndsWith("@example.com", mail.MessageId);
        Assert.Equal(["a@partner.test", "b@partner.test", "c@partner.test", "d@partner.test"], mail.Recipients.Select(r => r.Address));
    }

    [Fact]
    public void A_ready_message_keeps_its_Message_Id_and_body()
    {
        var message = new MimeMessage();
        message.From.Add(new MimeKit.MailboxAddress("Carol", "carol@partner.test"));
        message.To.Add(new MimeKit.MailboxAddress(null, "john@example.com"));
        message.MessageId = "fixed@partner.test";
        message.Body = new TextPart("plain") { Text = "as is" };
        using var mail = MailComposer.Prepare(new MailRequest { Message = message }, PerUserResolver());
        Assert.Equal("fixed@partner.test", mail.MessageId);
        Assert.Equal("notifications@example.com", mail.Message.From.Mailboxes.Single().Address);
        Assert.Equal("as is", mail.Message.TextBody);
    }

    [Theory]
    [InlineData("", "x@partner.test", "NoSender")]
    [InlineData("john@example.com", "", "NoRecipients")]
    [InlineData("john doe@example.com", "x@partner.test", "InvalidSender")]
    [InlineData("john@example.com", "not an address", "InvalidRecipient")]
    public void Bad_input_is_a_precise_error(string from, string to, string errorId)
    {
        var e = Assert.Throws<MailSendException>(() => MailComposer.Prepare(new MailRequest { From = from, To = [to] }, PerUserResolver()));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void A_missing_attachment_and_no_server_are_errors()
    {
        var e = Assert.Throws<MailSendException>(() => MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"], Attachments = ["/nonexistent/file.txt"] }, PerUserResolver()));
        Assert.Equal("AttachmentNotFound", e.ErrorId);
        e = Assert.Throws<MailSendException>(() => MailComposer.Prepare(new MailRequest { From = "john@example.com", To = ["x@partner.test"] }, new MailSenderResolver(new OutlookConfiguration())));
        Assert.Equal("NoServer", e.ErrorId);
    }

    [Fact]
    public void A_ready_message_or_eml_file_cannot_be_combined_with_composition_parameters()
    {
        var message = new MimeKit.MimeMessage();
        message.From.Add(MimeKit.MailboxAddress.Parse("john@example.com"));
        message.To.Add(MimeKit.MailboxAddress.Parse("x@partner.test"));
        var e = Assert.Throws<MailSendException>(() => MailComposer.Prepare(new MailRequest { Message = message, Subject = "extra" }, PerUserResolver()));
        Assert.Equal("AmbiguousMessage", e.ErrorId);
        e = Assert.Throws<MailSendException>(() => MailComposer.Prepare(new MailRequest { MessagePath = "/nonexistent/a.eml", To = ["y@partner.test"] }, PerUserResolver()));
        Assert.Equal("AmbiguousMessage", e.ErrorId);
        using var mail = MailComposer.Prepare(new MailRequest { Message = message }, PerUserResolver());
        Assert.Equal(["x@partner.test"], mail.Recipients.Select(r => r.Address));
    }

    [Theory]
    [InlineData("smtp.office365.com", 30)]
    [InlineData("SMTP-mail.Outlook.com", 30)]
    [InlineData("127.0.0.1", 0)]
    [InlineData("mail.example.com", 0)]
    [InlineData("notoutlook.com", 0)]
    public void Pacing_defaults_to_30_per_minute_on_Microsoft_hosts_only(string host, int expected)
    {
        var server = new OutgoingMailServer { HostName = host };
        Assert.Equal(expected, new MailSendOptions().RateFor(server));
        Assert.Equal(0, new MailSendOptions { MessagesPerMinute = 0 }.RateFor(server));
        Assert.Equal(5, new MailSendOptions { MessagesPerMinute = 5 }.RateFor(server));
    }
}
