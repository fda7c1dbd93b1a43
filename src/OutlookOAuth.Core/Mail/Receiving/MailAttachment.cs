using MimeKit;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>One attachment to save, as <see cref="AttachmentSaver.AttachmentsOf"/> finds it: the name its sender gave it,
/// the safe file name it gets, and the message it came from. The MIME part stays inside the core, so the cmdlet
/// assembly (outside the private load context, where MimeKit is not visible) never names a MimeKit type.</summary>
public sealed class MailAttachment
{
    internal MailAttachment(MimeEntity entity, string? messageId)
    {
        Entity = entity;
        MessageId = messageId;
        SenderName = AttachmentSaver.SenderNameOf(entity);
        FileName = AttachmentSaver.FileNameOf(entity);
    }

    internal MimeEntity Entity { get; }

    /// <summary>The file name the sender gave (hostile until made safe), or null.</summary>
    public string? SenderName { get; }

    /// <summary>The safe file name (before a number is added to make it unique).</summary>
    public string FileName { get; }

    /// <summary>The Message-Id of the message it came from, when known.</summary>
    public string? MessageId { get; }

    public override string ToString() => FileName;
}
