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
    int _expected;
    int _handled;

    /// <summary>True once every RCPT TO was answered: the next command is DATA (or BDAT), so from here on the server
    /// may have the message.</summary>
    public bool DataMayHaveBeenSent => _expected > 0 && _handled >= _expected;

    public void BeginMessage(int recipients)
    {
        Accepted.Clear();
        Refused.Clear();
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

    // No recipient left: MailKit resets the transaction (RSET) and throws; nothing was sent.
    protected override void OnNoRecipientsAccepted(MimeMessage message)
    {
        _expected = 0;
        base.OnNoRecipientsAccepted(message);
    }
}
