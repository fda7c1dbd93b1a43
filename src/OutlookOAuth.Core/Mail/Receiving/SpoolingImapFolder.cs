using MailKit;
using MailKit.Net.Imap;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>A folder of <see cref="SpoolingImapClient"/>: a fetched section over <see cref="SmallSection"/> bytes goes to an
/// owner-only temporary file, deleted when MailKit disposes the stream (right after the fetch callback).</summary>
sealed class SpoolingImapFolder(ImapFolderConstructorArgs args, SpoolingImapClient client) : ImapFolder(args)
{
    const int SmallSection = 64 * 1024;

    protected override Stream CreateStream(UniqueId? uid, string section, int offset, int length)
    {
        if (client.SpoolDirectory is not { } directory || length <= SmallSection) return base.CreateStream(uid, section, offset, length);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None,
            Options = FileOptions.DeleteOnClose, BufferSize = 81920,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile.FileMode;
        return new FileStream(Path.Combine(directory, $"literal-{Guid.NewGuid():N}.tmp"), options);
    }
}
