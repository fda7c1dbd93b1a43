using MimeKit;
using OutlookOAuth.Selection;
using MailboxAddress = MimeKit.MailboxAddress;

namespace OutlookOAuth.Mail.Sending;

/// <summary>A message ready to leave: the composed MimeKit message (From already rewritten, Message-Id set), the
/// server chosen for its sender, the envelope and the recipients (To, Cc and Bcc). Owns the message (and the
/// attachment files it streams from): dispose it after sending.</summary>
public sealed class PreparedMail : IDisposable
{
    readonly bool _ownsMessage;
    readonly IDisposable? _file;

    internal PreparedMail(MimeMessage message, SenderResolution resolution, MailboxAddress envelopeFrom, IReadOnlyList<MailboxAddress> recipients,
        object? source, bool ownsMessage, IDisposable? file)
    {
        _ownsMessage = ownsMessage;
        _file = file;
        Message = message;
        Resolution = resolution;
        EnvelopeFrom = envelopeFrom;
        Recipients = recipients;
        Source = source;
    }

    public MimeMessage Message { get; }
    /// <summary>How the sender was resolved (server, From, Reply-To, envelope, why).</summary>
    public SenderResolution Resolution { get; }
    public MailboxAddress EnvelopeFrom { get; }
    /// <summary>Every envelope recipient (To, Cc, Bcc), each address once.</summary>
    public IReadOnlyList<MailboxAddress> Recipients { get; }
    public object? Source { get; }
    public string MessageId => Message.MessageId ?? "";
    /// <summary>The Message-Id the message had before it was prepared (an .eml's, or -MessageId), or null when Prepare made one.</summary>
    public string? OriginalMessageId { get; init; }
    /// <summary>The message's key in the journal of the mailing, once <see cref="MailSender.Journaled"/> computed it.</summary>
    internal string? JournalKey { get; set; }

    /// <summary>One line for -WhatIf: server, From and envelope.</summary>
    public string Describe() =>
        $"Message {MessageId} '{Message.Subject}' from {Message.From} through server '{Resolution.ServerName}' " +
        $"(MAIL FROM {EnvelopeFrom.Address}; {Recipients.Count} recipient{(Recipients.Count == 1 ? "" : "s")}: {string.Join(", ", Recipients.Select(r => r.Address))})";

    public void Dispose()
    {
        if (_ownsMessage) Message.Dispose();
        _file?.Dispose();
    }
}
