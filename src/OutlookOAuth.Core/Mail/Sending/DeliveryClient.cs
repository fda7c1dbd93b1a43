using MailKit.Net.Smtp;
using MimeKit;

namespace OutlookOAuth.Mail.Sending;

/// <summary>A MailKit SmtpClient that keeps going when some recipients are refused (MailKit's default drops the whole
/// message) and records how far a transaction got, so that a connection lost after DATA may have been sent is
/// reported as "delivery unknown" instead of being retried.</summary>
internal sealed class DeliveryClient(MailKit.IProtocolLogger log) : SmtpClient(log)
{
    public List<string> Accepted { get; } = new();
    public List<RefusedRecipient> Refused { get; } = new();
    /// <summary>The server's reply to MAIL FROM when it refused it (then every RCPT TO gets "503 need MAIL command").</summary>
    public SmtpResponse? SenderRefusal { get; private set; }
    /// <summary>The size of the message as written, once measured (only when the server advertises SIZE).</summary>
    public long? Size { get; private set; }
    int _expected;
    int _handled;

    /// <summary>True once every RCPT TO was answered: the next command is DATA (or BDAT), so from here on the server
    /// may have the message.</summary>
    public bool DataMayHaveBeenSent => _expected > 0 && _handled >= _expected;

    public void BeginMessage(int recipients)
    {
        Accepted.Clear();
        Refused.Clear();
        SenderRefusal = null;
        Size = null;
        _expected = recipients;
        _handled = 0;
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        Accepted.Add(mailbox.Address);
        _handled++;
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        Refused.Add(new RefusedRecipient(mailbox.Address, (int)response.StatusCode, response.Response));
        _handled++;
    }

    protected override void OnSenderNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        SenderRefusal = response;
        _expected = 0; // nothing more of this transaction can be delivered
        base.OnSenderNotAccepted(message, mailbox, response);
    }

    // MailKit measures the message before MAIL FROM when the server advertises SIZE: a message over the server's limit
    // is refused here, before any command of the transaction is sent.
    protected override long GetSize(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        var size = base.GetSize(options, message, cancellationToken);
        Size = size;
        return MaxSize > 0 && size > MaxSize ? throw new MessageTooLargeException(size, MaxSize) : size;
    }

    protected override async Task<long> GetSizeAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        var size = await base.GetSizeAsync(options, message, cancellationToken).ConfigureAwait(false);
        Size = size;
        return MaxSize > 0 && size > MaxSize ? throw new MessageTooLargeException(size, MaxSize) : size;
    }

    // No recipient left: MailKit resets the transaction (RSET) and throws; nothing was sent.
    protected override void OnNoRecipientsAccepted(MimeMessage message)
    {
        _expected = 0;
        base.OnNoRecipientsAccepted(message);
    }
}
