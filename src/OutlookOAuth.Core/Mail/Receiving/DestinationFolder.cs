using OutlookOAuth.Security;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>The folder a command saves mail or attachments into, checked before anything is fetched, marked read or
/// written: a file, a path the system refuses (a read-only mount, <c>/proc</c>) or a folder that cannot be written is a
/// clear error naming the path, instead of a raw System.IO failure in the middle of a receive.</summary>
public static class DestinationFolder
{
    /// <summary>Fails at once when <paramref name="path"/> is an existing file (nothing is created: also for -WhatIf).</summary>
    /// <exception cref="OutlookOAuthException">DestinationIsFile.</exception>
    public static void CheckNotFile(string path)
    {
        if (File.Exists(path))
            throw new OutlookOAuthException("DestinationIsFile", FailureKind.InvalidArgument,
                $"The destination '{path}' is a file, not a folder; nothing was received or saved.",
                "Give the path of a folder (it is created when missing), e.g. a new folder beside that file.") { Target = path };
    }

    /// <summary>Makes <paramref name="path"/> a folder (created owner-only when missing) and proves a file can be
    /// created in it; returns its full path.</summary>
    /// <exception cref="OutlookOAuthException">DestinationIsFile or DestinationNotWritable.</exception>
    public static string Prepare(string path)
    {
        path = Path.GetFullPath(path);
        CheckNotFile(path);
        try
        {
            OwnerOnlyFile.EnsureDirectory(path, tighten: false);
            var probe = Path.Combine(path, $".outlookoauth-probe-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            CheckNotFile(path); // a file in the way of a parent folder, or one made meanwhile
            throw new OutlookOAuthException("DestinationNotWritable", e is UnauthorizedAccessException ? FailureKind.PermissionDenied : FailureKind.Write,
                $"Cannot save into '{path}': {e.Message} Nothing was received or saved.",
                "Give a folder on a local, writable file system (not /proc or /sys, not read-only), one you may write to.", e) { Target = path };
        }
        return path;
    }
}
