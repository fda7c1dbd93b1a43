using MimeKit;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>One message fetched by <see cref="MailReceiver"/>: what the table shows, where it was saved and the parsed
/// message itself (<see cref="Message"/>) for scripts that need the body or the attachments.</summary>
public sealed class ReceivedMessage
{
    /// <summary>The incoming server's name.</summary>
    public string Server { get; init; } = "";
    /// <summary>The mailbox read (the server's username; for app-only servers the mailbox the app opens).</summary>
    public string Mailbox { get; init; } = "";
    public string Folder { get; init; } = "";
    /// <summary>The IMAP UID, valid together with <see cref="UidValidity"/>.</summary>
    public uint Uid { get; init; }
    public uint UidValidity { get; init; }
    public string? MessageId { get; init; }
    public string? From { get; init; }
    public string[] To { get; init; } = [];
    public string? Subject { get; init; }
    /// <summary>The Date header (the envelope's date).</summary>
    public DateTimeOffset? Date { get; init; }
    /// <summary>When the server received it (IMAP INTERNALDATE).</summary>
    public DateTimeOffset? Received { get; init; }
    /// <summary>Size in bytes (RFC822.SIZE).</summary>
    public long Size { get; init; }
    /// <summary>File names of the attachments, as the sender wrote them (never use one as a path).</summary>
    public string[] Attachments { get; init; } = [];
    /// <summary>The saved .eml when a destination was given, else null.</summary>
    public string? Path { get; internal set; }
    /// <summary>The parsed message (MimeKit); null only when it could not be parsed (an error is reported instead). Its
    /// parts are read from the saved file (or a private temporary file, deleted) when asked for, not kept in memory.</summary>
    public MimeMessage? Message { get; internal set; }
    /// <summary>The configuration file of the server.</summary>
    public string? ConfigPath { get; init; }

    public override string ToString() => $"{Server} #{Uid}: {Subject}";
}
