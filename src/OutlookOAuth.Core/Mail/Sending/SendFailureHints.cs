using System.Text.RegularExpressions;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;

namespace OutlookOAuth.Mail.Sending;

/// <summary>Turns a server's refusal of a message into a <see cref="MailSendException"/> with a stable id and a hint:
/// the Microsoft 365 table of <see cref="ConnectionHints"/> (535 5.7.3, 5.7.139, 550 5.7.60 SendAsDenied, 554 5.2.0),
/// plus throttling (4xx) and refused recipients.</summary>
public static partial class SendFailureHints
{
    [GeneratedRegex(@"^\s*([245]\.\d{1,3}\.\d{1,3})\b")]
    private static partial Regex EnhancedRegex();

    /// <summary>The enhanced status code (5.7.60) at the start of a reply text, or null.</summary>
    public static string? EnhancedCode(string? text) => text is null ? null : EnhancedRegex().Match(text) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>What to do with a message over the server's size limit.</summary>
    public const string TooLargeHint =
        "Send smaller or fewer attachments (base64 makes each a third larger), or share a link instead. Exchange Online's limit " +
        "is set by its admin (35 MB by default: Get-Mailbox <sender> | Format-List MaxSendSize, Set-Mailbox -MaxSendSize).";

    /// <summary>One error per recipient the server refused while it accepted the message for the others: the recipient,
    /// the server's reply and a hint, with the recipient as the error's target.</summary>
    public static IEnumerable<MailSendException> RefusedRecipients(MailSendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var r in result.Refused)
        {
            var temporary = r.StatusCode is >= 400 and < 500;
            var reply = $"{r.StatusCode} {r.Reply}".Trim();
            yield return new MailSendException(temporary ? "RecipientDeferred" : "RecipientRefused",
                temporary ? FailureKind.LimitsExceeded : FailureKind.PermissionDenied,
                $"'{result.Server}' refused the recipient {r.Address} of message {result.MessageId} ('{result.Subject}'): {reply}. " +
                $"{(result.Accepted.Count > 0 ? $"The {result.Accepted.Count} other recipient(s) got it." : "")}",
                temporary
                    ? $"A temporary refusal: send the message to {r.Address} alone again later."
                    : $"Check the address {r.Address} (the reply names the reason), then send the message to it alone; the others must not get it twice.",
                reply, r.StatusCode) { MessageId = result.MessageId, Server = result.Server, Target = r };
        }
    }

    /// <summary>A refusal at <paramref name="stage"/> (Authenticate, Sender, Recipient, Data) with the server's reply.</summary>
    public static MailSendException Refusal(OutgoingMailServer server, ConnectionTestStage stage, int code, string text,
        string? sender, string? recipient, bool appOnly, string? messageId)
    {
        var enhanced = EnhancedCode(text);
        var reply = $"{code} {text}".Trim();
        if (code == 552 || enhanced is "5.3.4" or "5.2.3")
            return new MailSendException("MessageTooLarge", FailureKind.LimitsExceeded,
                $"'{server.Name}' refused the message {messageId} as too large: {reply}", TooLargeHint, reply, code) { MessageId = messageId, Server = server.Name };
        if (code is >= 400 and < 500 && stage != ConnectionTestStage.Authenticate)
            return new MailSendException("Throttled", FailureKind.LimitsExceeded,
                $"'{server.Name}' refused the message for now: {reply}",
                $"A temporary refusal (4xx), usually throttling: Exchange Online accepts {MailSendOptions.MicrosoftMessagesPerMinute} messages per minute and " +
                "10,000 recipients per day per mailbox. Send it again later; keep -MessagesPerMinute at 30 or lower (the default on Microsoft hosts).",
                reply, code) { MessageId = messageId, Server = server.Name };
        var (id, hint) = ConnectionHints.Describe(new ConnectionFailureContext(server, stage, MailFailure.Rejected, Connected: true,
            ReplyCode: code, EnhancedCode: enhanced, ServerText: text, AppOnly: appOnly, Sender: sender, Recipient: recipient));
        if (stage == ConnectionTestStage.Recipient && id == "RecipientRejected")
            (id, hint) = ("RecipientsRefused", "The server refused every recipient of this message; check the addresses (the reply names the reason).");
        var what = stage switch
        {
            ConnectionTestStage.Authenticate => "refused the sign-in",
            ConnectionTestStage.Sender => $"refused the sender {sender}",
            ConnectionTestStage.Recipient => "refused every recipient",
            _ => "refused the message",
        };
        return new MailSendException(id, stage == ConnectionTestStage.Authenticate ? FailureKind.Authentication : FailureKind.PermissionDenied,
            $"'{server.Name}' {what}: {reply}", hint, reply, code) { MessageId = messageId, Server = server.Name };
    }
}
