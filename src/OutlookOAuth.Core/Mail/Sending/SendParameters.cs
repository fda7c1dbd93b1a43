using MimeKit;
using OutlookOAuth.Mail.Receiving;

namespace OutlookOAuth.Mail.Sending;

/// <summary>What Send-OutlookMail bound for one record, as PowerShell gave it (text, not yet checked), and the rules that
/// turn it into a <see cref="MailRequest"/>. A ready message (a <see cref="ReceivedMessage"/> or a MimeKit message) coming
/// down the pipeline is sent as it is: the values PowerShell bound from its properties (its To, its attachment names) are
/// dropped, so a stranger's message can never name the recipients or the local files of a new one.</summary>
public sealed class SendParameters
{
    public string? From { get; init; }
    public string[]? To { get; init; }
    public string[]? Cc { get; init; }
    public string[]? Bcc { get; init; }
    public string[]? ReplyTo { get; init; }
    public string? Subject { get; init; }
    public string? Body { get; init; }
    public bool BodyAsHtml { get; init; }
    /// <summary>-Attachment (command line only) and the AttachmentPath column, as given (PowerShell paths).</summary>
    public string[]? Attachment { get; init; }
    public string[]? AttachmentPath { get; init; }
    /// <summary>Normal, Low or High, as text: a CSV cell is checked here, so that a bad one names its row and column.</summary>
    public string? Priority { get; init; }
    public string? MessageId { get; init; }
    public string? MessagePath { get; init; }
    /// <summary>The pipeline object (a CSV row, a ready message) or the -Message argument.</summary>
    public object? Input { get; init; }
    /// <summary>True when <see cref="Input"/> came down the pipeline (a row whose cells the other values were bound from).</summary>
    public bool FromPipeline { get; init; }
    /// <summary>The 1-based number of the pipeline record, for errors about a cell.</summary>
    public long Row { get; init; }
    /// <summary>The parameters given on the command line; the others were bound from the pipeline object.</summary>
    public IReadOnlySet<string> CommandLine { get; init; } = new HashSet<string>();

    static readonly string[] Composing = [nameof(To), nameof(Cc), nameof(Bcc), nameof(ReplyTo), nameof(Subject), nameof(Body),
        nameof(BodyAsHtml), nameof(Attachment), nameof(AttachmentPath), nameof(Priority), nameof(MessageId), nameof(MessagePath)];

    /// <summary>The request of this record. <paramref name="resolvePath"/> turns a PowerShell path into a file system path.</summary>
    public MailRequest ToRequest(Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(resolvePath);
        var input = Input;
        if (ReadyMessage(input) is { } message)
        {
            // Only what the admin typed applies to a ready message; what PowerShell bound from its properties is its own data.
            var typed = Composing.Where(CommandLine.Contains).ToList();
            if (typed.Count > 0)
                throw new MailSendException("AmbiguousMessage", FailureKind.InvalidArgument,
                    $"A message is sent as it is: {string.Join(", ", typed.Select(t => "-" + t))} cannot be combined with it.",
                    "Send the message alone (optionally with -From), or compose a new one with -To, -Subject, -Body and -Attachment.");
            return new MailRequest { From = CommandLine.Contains(nameof(From)) ? From : null, Message = message, Source = input };
        }
        if (input is not null && !FromPipeline)
            throw new MailSendException("InvalidMessage", FailureKind.InvalidArgument,
                $"-Message takes a message of Receive-OutlookMail or a MimeKit message, not a {input.GetType().FullName}.");
        var attachments = new List<string>();
        foreach (var path in (Attachment ?? []).Concat(AttachmentPath ?? []))
        {
            if (string.IsNullOrWhiteSpace(path)) continue;
            try { attachments.Add(resolvePath(path)); }
            catch (Exception e) when (e is not OutlookOAuthException)
            {
                throw new MailSendException("AttachmentNotFound", FailureKind.InvalidArgument, $"The attachment '{path}' cannot be found: {e.Message}",
                    "Check the path given to -Attachment (relative paths are resolved against the current location).", inner: e);
            }
        }
        string? eml = null;
        if (!string.IsNullOrWhiteSpace(MessagePath))
        {
            try { eml = resolvePath(MessagePath); }
            catch (Exception e) when (e is not OutlookOAuthException)
            {
                throw new MailSendException("MessageFileNotFound", FailureKind.InvalidArgument, $"The message file '{MessagePath}' cannot be found: {e.Message}", inner: e);
            }
        }
        return new MailRequest
        {
            From = From, To = To ?? [], Cc = Cc ?? [], Bcc = Bcc ?? [], ReplyTo = ReplyTo ?? [],
            Subject = Subject, Body = Body, BodyAsHtml = BodyAsHtml, Attachments = attachments,
            Priority = ParsePriority(), MessageId = string.IsNullOrWhiteSpace(MessageId) ? null : MessageId.Trim(),
            MessagePath = eml, Source = FromPipeline ? input : null,
        };
    }

    /// <summary>The message to send as it is, when <paramref name="input"/> is one: a received message's parsed message, or
    /// a MimeKit message (ours, or of another copy of MimeKit).</summary>
    public static object? ReadyMessage(object? input) => input switch
    {
        ReceivedMessage received => received.Message ?? throw new MailSendException("InvalidMessage", FailureKind.InvalidArgument,
            $"Message {received.Uid} of '{received.Server}' could not be parsed when it was received, so it cannot be sent as it is."),
        MimeMessage own => own,
        _ when MailComposer.IsMessage(input) => input,
        _ => null,
    };

    MailPriority ParsePriority()
    {
        var text = Priority?.Trim();
        if (string.IsNullOrEmpty(text)) return MailPriority.Normal;
        foreach (var value in Enum.GetValues<MailPriority>())
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase)) return value;
        const string expected = "one of Normal, Low, High";
        if (FromPipeline && !CommandLine.Contains(nameof(Priority)))
            throw new MailSendException("InvalidColumnValue", FailureKind.InvalidArgument,
                $"Row {Row}, column 'Priority': '{text}' is not valid; expected {expected}.",
                $"Correct the 'Priority' cell of row {Row} (expected {expected}), or leave it blank for Normal.");
        throw new MailSendException("InvalidPriority", FailureKind.InvalidArgument, $"-Priority '{text}' is not valid; expected {expected}.");
    }
}
