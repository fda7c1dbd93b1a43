namespace OutlookOAuth.Security;

/// <summary>
/// Files only their owner can read (0600 on Unix, in 0700 directories), replaced atomically: the new content is
/// written to a temporary file beside the target, flushed to disk and renamed over it, so a crash leaves the old or
/// the new file, never a torn one. Used by the configuration store and the token store's file fallback.
/// </summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> and each missing parent owner-only (Directory.CreateDirectory gives the
    /// mode to the last one only); with <paramref name="tighten"/>, also makes an existing one owner-only (a directory of
    /// our own, not e.g. ~/.config). Existing parents stay as they are.</summary>
    public static void EnsureDirectory(string directory, bool tighten)
    {
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(directory); return; }
        if (!Directory.Exists(directory))
        {
            if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))) is { } parent)
                EnsureDirectory(parent, tighten: false);
            Directory.CreateDirectory(directory, DirectoryMode);
        }
        else if (tighten && File.GetUnixFileMode(directory) != DirectoryMode) File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="data"/> atomically. The file gets
    /// <paramref name="mode"/>; when null, an existing file keeps its permissions and a new one is owner-only.
    /// <paramref name="beforeReplace"/> (a test seam) runs after the temporary file is flushed, before the rename.
    /// On failure the temporary file is removed and the target is untouched.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> data, UnixFileMode? mode = null, Action<string>? beforeReplace = null)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode ?? (File.Exists(path) ? File.GetUnixFileMode(path) : FileMode);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(data);
                stream.Flush(flushToDisk: true);
            }
            beforeReplace?.Invoke(temp);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
