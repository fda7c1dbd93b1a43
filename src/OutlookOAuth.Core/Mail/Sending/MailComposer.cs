using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using OutlookOAuth.Selection;
using MailboxAddress = MimeKit.MailboxAddress;

namespace OutlookOAuth.Mail.Sending;

/// <summary>Builds the MimeKit message of a <see cref="MailRequest"/> and applies Odoo's sending rules to it
/// (<c>build_email</c>, <c>_prepare_email_message</c>): the server chosen by the sender, From rewritten to the
/// notifications address with Reply-To kept as the sender, the envelope sender, a Message-Id when missing.
/// Attachments are streamed from disk when the message is written, never read into memory.</summary>
public static class MailComposer
{
    /// <summary>Composes and resolves one message; every refusal is a <see cref="MailSendException"/> (invalid input, a
    /// message MimeKit cannot take, no server), so one bad record fails alone.</summary>
    public static PreparedMail Prepare(MailRequest request, MailSenderResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(resolver);
        if ((request.Message is not null || request.MessagePath is not null) &&
            (request.To.Count > 0 || request.Cc.Count > 0 || request.Bcc.Count > 0 || request.Subject is not null || request.Body is not null || request.Attachments.Count > 0 || request.MessageId is not null))
            throw new MailSendException("AmbiguousMessage", FailureKind.InvalidArgument,
                "A message or .eml file is sent as it is: -To, -Cc, -Bcc, -Subject, -Body, -Attachment and -MessageId cannot be combined with it (-From can: it replaces its From).");
        RefuseLineBreaks(request);
        try { return PrepareCore(request, resolver); }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // A message MimeKit cannot take (a malformed header of a ready message): this record fails, the others go on.
            throw new MailSendException("InvalidMessage", FailureKind.InvalidArgument, e.Message, inner: e);
        }
    }

    static PreparedMail PrepareCore(MailRequest request, MailSenderResolver resolver)
    {
        Stream? file = null;
        MimeMessage message;
        var owned = request.Message is null;
        try
        {
            if (request.Message is MimeMessage own) message = own;
            else if (request.Message is not null)
            {
                message = Reload(request.Message) ?? throw new MailSendException("InvalidMessage", FailureKind.InvalidArgument,
                    $"A {request.Message.GetType().FullName} is not a MimeKit message.");
                owned = true;
            }
            else if (request.MessagePath is { } path)
            {
                try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.SequentialScan); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new MailSendException("MessageFileNotFound", FailureKind.InvalidArgument, $"The message file '{path}' cannot be read: {e.Message}", inner: e);
                }
                // Persistent: the parts stay on disk (bound to the file) instead of being copied into memory.
                try { message = MimeMessage.Load(file, persistent: true); }
                catch (FormatException e)
                {
                    throw new MailSendException("InvalidMessageFile", FailureKind.InvalidArgument, $"'{path}' is not a MIME message: {e.Message}", inner: e);
                }
            }
            else message = Compose(request);
            if (!string.IsNullOrWhiteSpace(request.From) && (request.Message is not null || request.MessagePath is not null))
            {
                // -From with a ready message: it becomes the message's sender (its From header), and the rules apply to it.
                message.From.Clear();
                message.From.Add(ParseMailbox(request.From, "From"));
            }

            var sender = Sender(request, message);
            var resolution = resolver.Resolve(sender);
            if (resolution.Server is null)
                throw new MailSendException("NoServer", FailureKind.NotFound, resolution.Reason,
                    "Add an outgoing server: New-OutlookMailServer -Username <mailbox> | Connect-OutlookAccount");

            if (resolution.FromRewritten)
            {
                message.From.Clear();
                message.From.Add(ParseMailbox(resolution.From, "From"));
                if (message.ReplyTo.Count == 0 && resolution.ReplyTo is { } replyTo) message.ReplyTo.Add(ParseMailbox(replyTo, "Reply-To"));
            }
            var hadMessageId = !string.IsNullOrWhiteSpace(message.MessageId);
            if (request.MessageId is { } id) message.MessageId = id;
            else if (!hadMessageId) message.MessageId = MimeUtils.GenerateMessageId(MailboxDomain(resolution.EnvelopeFrom!));
            message.Date = message.Date == default ? DateTimeOffset.Now : message.Date;

            var recipients = new List<MailboxAddress>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var list in new[] { message.To, message.Cc, message.Bcc })
                foreach (var mailbox in list.Mailboxes)
                    if (seen.Add(mailbox.Address)) recipients.Add(mailbox);
            if (recipients.Count == 0)
                throw new MailSendException("NoRecipients", FailureKind.InvalidArgument, "The message has no recipient (To, Cc or Bcc).",
                    "Give at least one recipient with -To, -Cc or -Bcc.");

            var envelope = ParseMailbox(resolution.EnvelopeFrom!, "MAIL FROM");
            var prepared = new PreparedMail(message, resolution, envelope, recipients, request.Source, owned, file)
                { OriginalMessageId = request.MessageId ?? (hadMessageId ? message.MessageId : null) };
            file = null;
            return prepared;
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }

    /// <summary>The message of a request given by parameters: text or HTML with a text alternative, attachments
    /// streamed from their files, priority headers. No Message-Id yet (<see cref="Prepare"/> adds it).</summary>
    public static MimeMessage Compose(MailRequest request)
    {
        var message = new MimeMessage();
        message.Headers.Remove(HeaderId.MessageId); // MimeKit makes one on the machine's host name; Prepare makes it on the sender's domain.
        var opened = new List<Stream>();
        try
        {
            if (!string.IsNullOrWhiteSpace(request.From)) message.From.Add(ParseMailbox(request.From, "From"));
            Add(message.To, request.To, "To");
            Add(message.Cc, request.Cc, "Cc");
            Add(message.Bcc, request.Bcc, "Bcc");
            Add(message.ReplyTo, request.ReplyTo, "Reply-To");
            message.Subject = request.Subject ?? "";
            message.Date = DateTimeOffset.Now;
            switch (request.Priority)
            {
                case MailPriority.High:
                    message.Priority = MessagePriority.Urgent; message.XPriority = XMessagePriority.High; message.Importance = MessageImportance.High; break;
                case MailPriority.Low:
                    message.Priority = MessagePriority.NonUrgent; message.XPriority = XMessagePriority.Low; message.Importance = MessageImportance.Low; break;
            }

            MimeEntity body;
            var text = request.Body ?? "";
            if (request.BodyAsHtml)
                body = new MultipartAlternative
                {
                    new TextPart(TextFormat.Plain) { Text = HtmlText.Convert(text) },
                    new TextPart(TextFormat.Html) { Text = text },
                };
            else body = new TextPart(TextFormat.Plain) { Text = text };

            if (request.Attachments.Count > 0)
            {
                var mixed = new Multipart("mixed") { body };
                foreach (var path in request.Attachments)
                {
                    var stream = AttachmentStream.Open(path);
                    opened.Add(stream);
                    mixed.Add(new MimePart(MimeTypes.GetMimeType(path))
                    {
                        Content = new MimeContent(stream),
                        ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                        ContentTransferEncoding = ContentEncoding.Base64,
                        FileName = Path.GetFileName(path),
                    });
                }
                body = mixed;
            }
            message.Body = body;
            return message;
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            message.Dispose();
            throw;
        }
    }

    // A line break in a header value would glue (or inject) header lines: refused, as in addresses.
    static void RefuseLineBreaks(MailRequest request)
    {
        Check(request.From, "From");
        foreach (var (values, name) in new[] { (request.To, "To"), (request.Cc, "Cc"), (request.Bcc, "Bcc"), (request.ReplyTo, "Reply-To") })
            foreach (var v in values) Check(v, name);
        Check(request.Subject, "Subject");
        Check(request.MessageId, "MessageId");
        if (request.MessageId is { } id && !IsMessageId(id))
            throw new MailSendException("InvalidMessageId", FailureKind.InvalidArgument,
                $"MessageId '{id}' is not a Message-Id: expected left@right, without spaces or angle brackets inside.",
                "Give a unique id such as mailing-2026-12-row-7@contoso.com.");

        static void Check(string? value, string what)
        {
            if (value is null || value.IndexOfAny(['\r', '\n', '\0']) < 0) return;
            throw new MailSendException(what == "Subject" ? "InvalidSubject" : what == "MessageId" ? "InvalidMessageId" : "InvalidAddress", FailureKind.InvalidArgument,
                $"{what} contains a line break: '{value.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0")}'. A header value is one line.",
                $"Remove the line breaks from {what}.");
        }
    }

    static bool IsMessageId(string id)
    {
        var at = id.IndexOf('@');
        return at > 0 && at < id.Length - 1 && id.IndexOf('@', at + 1) < 0 && id.All(c => c > ' ' && c < 127 && c is not ('<' or '>' or '"' or '\\'));
    }

    /// <summary>True for a MimeKit MimeMessage, whichever copy of MimeKit made it.</summary>
    public static bool IsMessage(object? value) => value?.GetType().FullName == typeof(MimeMessage).FullName;

    // A MimeMessage of another copy of MimeKit (another load context): written out and read back with ours.
    static MimeMessage? Reload(object value)
    {
        if (!IsMessage(value)) return null;
        var write = value.GetType().GetMethod(nameof(MimeMessage.WriteTo), [typeof(Stream), typeof(CancellationToken)]);
        if (write is null) return null;
        var buffer = new MemoryStream();
        write.Invoke(value, [buffer, CancellationToken.None]);
        buffer.Position = 0;
        return MimeMessage.Load(buffer);
    }

    static string Sender(MailRequest request, MimeMessage message)
    {
        if (!string.IsNullOrWhiteSpace(request.From) || (request.Message is null && request.MessagePath is null))
        {
            if (string.IsNullOrWhiteSpace(request.From))
                throw new MailSendException("NoSender", FailureKind.InvalidArgument, "The message has no sender.", "Give the sender with -From.");
            return request.From;
        }
        var mailboxes = message.From.Mailboxes.ToList();
        if (mailboxes.Count != 1)
            throw new MailSendException("InvalidSender", FailureKind.InvalidArgument,
                $"The message's From header must hold exactly one mailbox (it has {mailboxes.Count}).");
        return Selection.MailboxAddress.Format(mailboxes[0].Name, mailboxes[0].Address);
    }

    static void Add(InternetAddressList list, IReadOnlyList<string> values, string header)
    {
        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value)) continue;
            if (!InternetAddressList.TryParse(value, out var parsed) || parsed.Mailboxes.Any(m => !m.Address.Contains('@')))
                throw new MailSendException(header == "Reply-To" ? "InvalidReplyTo" : "InvalidRecipient", FailureKind.InvalidArgument,
                    $"'{value}' is not a valid {header} address list.");
            list.AddRange(parsed);
        }
    }

    /// <summary>One mailbox, parsed as liberally as Odoo parses a sender (test@my_host.example).</summary>
    internal static MailboxAddress ParseMailbox(string text, string header)
    {
        Selection.MailboxAddress parsed;
        try { parsed = Selection.MailboxAddress.Parse(text); }
        catch (Selection.InvalidMailboxException e)
        {
            throw new MailSendException(header == "From" ? e.ErrorId : "InvalidAddress", FailureKind.InvalidArgument,
                $"{header}: {e.Message}", inner: e);
        }
        return new MailboxAddress(parsed.DisplayName, parsed.AddressAsWritten);
    }

    static string MailboxDomain(string address) => address[(address.LastIndexOf('@') + 1)..];
}
