using MimeKit;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>
/// Saves the attachments of received mail into one folder, safely: each file gets the sender's name made safe by
/// <see cref="AttachmentFileName"/> (so nothing is ever written outside the folder), a name no other file has (a taken
/// name becomes "name (2).ext", claimed atomically: two saves at once never share one), owner-only permissions, and
/// its decoded content streamed to a hidden temporary file that is flushed, closed and then renamed into place, so a
/// file under its final name is always complete. With <c>force</c>, a file of that name from before is replaced
/// instead (re-runs give the same names); names given in this saver's lifetime still never repeat.
/// </summary>
public sealed class AttachmentSaver
{
    const int MaxCandidates = 10_000;
    readonly HashSet<string> _taken = new(OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);

    /// <param name="folder">The folder (see <see cref="DestinationFolder.Prepare"/>; it is not created here).</param>
    /// <param name="force">Replace a file of the same name from before this saver instead of choosing a new name.</param>
    public AttachmentSaver(string folder, bool force)
    {
        Folder = Path.GetFullPath(folder);
        Force = force;
    }

    public string Folder { get; }
    public bool Force { get; }

    /// <summary>The attachments of a received message, a MimeKit message, or one MIME part (a part is its own attachment).</summary>
    /// <exception cref="OutlookOAuthException">NotAMessage: anything else, or a received message whose content is gone.</exception>
    public static IReadOnlyList<MailAttachment> AttachmentsOf(object? input) => input switch
    {
        ReceivedMessage { Message: { } message } r => Wrap(message.Attachments, r.MessageId ?? message.MessageId),
        ReceivedMessage { Path: { } path } r when File.Exists(path) => Wrap(MimeMessage.Load(path).Attachments, r.MessageId),
        MimeMessage message => Wrap(message.Attachments, message.MessageId),
        MimeEntity entity => [new MailAttachment(entity, null)],
        MailAttachment attachment => [attachment],
        _ => throw new OutlookOAuthException("NotAMessage", FailureKind.InvalidArgument,
            $"'{input}' is not a received message, a MimeKit message or a MIME part; it has no attachments to save.",
            "Pipe in what Receive-OutlookMail outputs, its Message property, or one of $message.Attachments.") { Target = input },
    };

    static List<MailAttachment> Wrap(IEnumerable<MimeEntity> entities, string? messageId) =>
        entities.Select(e => new MailAttachment(e, messageId)).ToList();

    /// <summary>The name the sender gave the attachment (null when none).</summary>
    public static string? SenderNameOf(MimeEntity entity) => entity switch
    {
        MimePart part => part.FileName,
        _ => entity.ContentDisposition?.FileName ?? entity.ContentType.Name,
    };

    /// <summary>The safe file name of an attachment (a forwarded message without a name: its subject, .eml).</summary>
    public static string FileNameOf(MimeEntity entity)
    {
        if (entity is MessagePart { Message: { } inner } && SenderNameOf(entity) is null)
        {
            var name = AttachmentFileName.Sanitize(inner.Subject, "message");
            return name.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) ? name : AttachmentFileName.Sanitize(name + ".eml");
        }
        return AttachmentFileName.Sanitize(SenderNameOf(entity));
    }

    /// <summary>Where <see cref="Save"/> would write <paramref name="attachment"/> now (for -WhatIf; nothing is written).</summary>
    public string PlannedPath(MailAttachment attachment)
    {
        var name = attachment.FileName;
        for (var n = 1; n <= MaxCandidates; n++)
        {
            var candidate = AttachmentFileName.Numbered(name, n);
            var path = Path.Combine(Folder, candidate);
            if (!_taken.Contains(candidate) && (Force ? !Directory.Exists(path) : !Occupied(path))) return path;
        }
        return Path.Combine(Folder, name);
    }

    /// <summary>Writes the decoded content of <paramref name="attachment"/> under its safe, unique name and returns the file.</summary>
    /// <exception cref="OutlookOAuthException">AttachmentNotSaved (the system refused, the disk is full, no free name).</exception>
    public FileInfo Save(MailAttachment attachment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var name = attachment.FileName;
        var temp = Path.Combine(Folder, $".{Guid.NewGuid():N}.attachment.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 81920 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Security.OwnerOnlyFile.FileMode;
            using (var file = new FileStream(temp, options))
            {
                Write(attachment.Entity, file, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            for (var n = 1; n <= MaxCandidates; n++)
            {
                var candidate = AttachmentFileName.Numbered(name, n);
                if (_taken.Contains(candidate)) continue;
                var path = Path.Combine(Folder, candidate);
                if (Force && !Directory.Exists(path)) File.Move(temp, path, overwrite: true);
                else if (Force) continue;
                else if (Occupied(path) || !TryClaim(temp, path)) continue;
                _taken.Add(candidate);
                return new FileInfo(path);
            }
            throw new IOException($"'{name}' and the next {MaxCandidates - 1} numbered names are all taken.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new OutlookOAuthException("AttachmentNotSaved", e is UnauthorizedAccessException ? FailureKind.PermissionDenied : FailureKind.Write,
                $"The attachment '{name}' could not be saved in '{Folder}': {e.Message}",
                "Check that the folder is writable and has free space.", e) { Target = Path.Combine(Folder, name) };
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    static void Write(MimeEntity entity, Stream file, CancellationToken ct)
    {
        switch (entity)
        {
            case MimePart { Content: { } content }: content.DecodeTo(file, ct); break;
            case MimePart: break;
            case MessagePart { Message: { } message }: message.WriteTo(file, ct); break;
            default: entity.WriteTo(file, contentOnly: true, ct); break;
        }
    }

    /// <summary>Renames <paramref name="temp"/> to <paramref name="path"/> unless something has that name (File.Move
    /// without overwrite fails then, atomically, even when another process took the name a moment ago).</summary>
    static bool TryClaim(string temp, string path)
    {
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (Occupied(path)) { return false; }
    }

    /// <summary>True when a file, folder or link (even a dangling one) has that name.</summary>
    static bool Occupied(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || Directory.Exists(path) || info.LinkTarget is not null;
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
