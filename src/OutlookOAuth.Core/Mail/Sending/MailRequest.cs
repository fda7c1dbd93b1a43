namespace OutlookOAuth.Mail.Sending;

/// <summary>One message to send, as Send-OutlookMail binds it: composed from parameters, or a ready message
/// (<see cref="Message"/>, a MimeKit MimeMessage) or an .eml file (<see cref="MessagePath"/>) sent as it is.</summary>
public sealed class MailRequest
{
    /// <summary>The sender (one mailbox); for a ready message, its From header when null.</summary>
    public string? From { get; init; }
    public IReadOnlyList<string> To { get; init; } = [];
    public IReadOnlyList<string> Cc { get; init; } = [];
    public IReadOnlyList<string> Bcc { get; init; } = [];
    public IReadOnlyList<string> ReplyTo { get; init; } = [];
    public string? Subject { get; init; }
    public string? Body { get; init; }
    /// <summary>The body is HTML: the message gets an HTML part and a plain-text alternative.</summary>
    public bool BodyAsHtml { get; init; }
    /// <summary>Full paths of files to attach; they are streamed from disk when the message is sent.</summary>
    public IReadOnlyList<string> Attachments { get; init; } = [];
    public MailPriority Priority { get; init; } = MailPriority.Normal;
    /// <summary>The Message-Id of a composed message (without angle brackets), or null for a new one.</summary>
    public string? MessageId { get; init; }
    /// <summary>A ready MimeKit MimeMessage, sent as it is (From rewrite, Message-Id and Bcc rules still apply). Typed
    /// object so that callers outside the module's load context (the cmdlets) need no MimeKit reference; a MimeMessage
    /// of another copy of MimeKit is written out and read back (<see cref="MailComposer.IsMessage"/>).</summary>
    public object? Message { get; init; }
    /// <summary>Full path of an .eml file, sent as it is.</summary>
    public string? MessagePath { get; init; }

    /// <summary>What the request came from (a CSV row, a message object), for error records.</summary>
    public object? Source { get; init; }
}
