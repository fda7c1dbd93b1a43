using System.Diagnostics;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Security;

/// <summary>
/// The module's one cross-process lock, used by the configuration store (<c>config.yaml.lock</c>) and the token store
/// (one lock per token partition): the lock file opened exclusively (<c>FileShare.None</c>: flock(LOCK_EX) on Unix, a
/// sharing lock on Windows, so it is released when the process dies). The holder writes "pid process host" beside it
/// (<c>.owner</c>; the lock file cannot be read while it is locked), so a waiting command can say who it waits for.
/// A lock that cannot be had within the timeout raises <see cref="FileLockedException"/>; any other failure
/// (no folder, access denied, a file system that takes no files) is raised at once as the system's exception.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream _stream;

    FileLock(string path, FileStream stream)
    {
        LockPath = path;
        _stream = stream;
    }

    /// <summary>The lock file.</summary>
    public string LockPath { get; }

    static string OwnerPath(string lockPath) => lockPath + ".owner";

    /// <summary>Takes the lock on <paramref name="lockPath"/> (created owner-only when missing), waiting up to
    /// <paramref name="timeout"/> with growing pauses. <paramref name="waiting"/> is called once, when another process
    /// holds it, with a sentence naming <paramref name="subject"/> (what the lock protects) and the holder.</summary>
    /// <param name="lockPath">The lock file.</param>
    /// <param name="filePath">The file the lock protects.</param>
    /// <param name="subject">What the lock protects, for messages: "the configuration '/x/config.yaml'".</param>
    /// <param name="errorId">The id of the <see cref="FileLockedException"/>: ConfigurationLocked, TokenStoreLocked.</param>
    /// <exception cref="FileLockedException">another process held the lock for <paramref name="timeout"/>.</exception>
    public static FileLock Acquire(string lockPath, string filePath, string subject, string errorId, TimeSpan timeout, Action<string>? waiting = null)
    {
        var watch = Stopwatch.StartNew();
        var delay = 5;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile.FileMode;
        var told = false;
        while (true)
        {
            try
            {
                var stream = new FileStream(lockPath, options);
                WriteOwner(lockPath);
                return new FileLock(lockPath, stream);
            }
            catch (IOException e) when (IsLockConflict(e) && watch.Elapsed < timeout)
            {
                if (!told)
                {
                    told = true;
                    waiting?.Invoke($"Waiting up to {timeout.TotalSeconds:0} s for the lock on {subject}, held by {Holder(lockPath) ?? "another process"}.");
                }
                Thread.Sleep(Random.Shared.Next(delay / 2 + 1, delay + 1));
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                throw new FileLockedException(errorId, subject, filePath, watch.Elapsed, Holder(lockPath));
            }
        }
    }

    /// <summary>"process 1234 (pwsh)" (with " on host" for another machine), or null when unknown or no longer running.</summary>
    public static string? Holder(string lockPath)
    {
        try
        {
            var parts = File.ReadAllText(OwnerPath(lockPath)).Trim().Split(' ', 3);
            if (parts.Length < 2 || !int.TryParse(parts[0], out var pid)) return null;
            var host = parts.Length > 2 ? parts[2] : "";
            if (string.Equals(host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
            {
                try { using var p = Process.GetProcessById(pid); } catch (ArgumentException) { return null; }
                return $"process {pid} ({parts[1]})";
            }
            return $"process {pid} ({parts[1]}) on {host}";
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return null; }
    }

    static void WriteOwner(string lockPath)
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            File.WriteAllText(OwnerPath(lockPath), $"{Environment.ProcessId} {process.ProcessName} {Environment.MachineName}");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
    }

    // What .NET reports for a file another process has locked: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on
    // Windows, the raw EWOULDBLOCK of flock(LOCK_EX | LOCK_NB) on Unix (11 on Linux, 35 on macOS/BSD). Any other
    // failure (ENOENT under /proc, EACCES, EROFS) is not a lock and must not wait.
    static bool IsLockConflict(IOException e) =>
        e is not FileNotFoundException and not DirectoryNotFoundException &&
        (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35));

    /// <summary>Removes the holder note, then releases the lock (the lock file stays: deleting it would race a waiter).</summary>
    public void Dispose()
    {
        try { File.Delete(OwnerPath(LockPath)); } catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
        _stream.Dispose();
    }
}
