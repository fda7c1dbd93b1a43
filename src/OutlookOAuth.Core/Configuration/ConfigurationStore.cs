using System.Text;
using OutlookOAuth.Security;

namespace OutlookOAuth.Configuration;

/// <summary>
/// The configuration file on disk. <see cref="Load"/> reads it strictly. <see cref="Update{T}"/> is the only way to
/// change it: one cross-process lock around read-modify-write; the new text is written beside the old file,
/// flushed to disk and atomically renamed over it, so a crash leaves the old or the new file, never a torn one.
/// A change that leaves the text identical writes nothing. Created on first write with owner-only permissions on Unix.
/// </summary>
public sealed class ConfigurationStore
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public ConfigurationStore(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }
    public string LockPath => Path + ".lock";
    public bool Exists => File.Exists(Path);

    /// <summary>How long <see cref="Update{T}"/> waits for another process's lock.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Test seam: called after the new file is written and flushed, before it replaces the old one.</summary>
    internal Action<string>? BeforeReplace { get; set; }

    /// <summary>Called once when <see cref="Update{T}"/> has to wait for another process's lock, with a sentence
    /// naming the holder when it is known (the cmdlets write it as a warning).</summary>
    public Action<string>? LockWaiting { get; set; }

    /// <summary>The configuration; an empty one when the file does not exist yet.</summary>
    /// <exception cref="ConfigurationFileException">not UTF-8, malformed, or breaking the format (file:line:column).</exception>
    /// <exception cref="ConfigurationAccessException">a folder, or the system refused to read it.</exception>
    public OutlookConfiguration Load() => Read().Config;

    /// <summary>Like <see cref="Load"/>, but a missing file is a ConfigurationFileNotFound error (for commands that
    /// only read a file someone named).</summary>
    public OutlookConfiguration LoadExisting()
    {
        RequireExisting();
        return Load();
    }

    /// <summary>Fails with ConfigurationFileNotFound, naming the path, when nothing is there (a folder is left to
    /// <see cref="Load"/>, which names it as such).</summary>
    public void RequireExisting()
    {
        if (!File.Exists(Path) && !Directory.Exists(Path)) throw ConfigurationAccessException.NotFound(Path);
    }

    (OutlookConfiguration Config, string? Text) Read()
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(Path); }
        catch (FileNotFoundException) { return (new OutlookConfiguration(), null); }
        catch (DirectoryNotFoundException) { return (new OutlookConfiguration(), null); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            if (Directory.Exists(Path)) throw ConfigurationAccessException.Folder(Path);
            throw ConfigurationAccessException.From(e, Path, "read", write: false);
        }
        var text = Decode(bytes, Path);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return (ConfigurationSerializer.Parse(text, Path), text);
    }

    /// <summary>Strict UTF-8: a byte that is not (e.g. Latin-1 'é', 0xE9) is an error at its line and column, never
    /// read as U+FFFD (which the next save would write back, losing the byte).</summary>
    internal static string Decode(byte[] bytes, string path)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException)
        {
            ReadOnlySpan<byte> span = bytes;
            long line = 1, column = 1;
            var offset = 0;
            while (offset < span.Length)
            {
                if (System.Text.Rune.DecodeFromUtf8(span[offset..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                    throw new ConfigurationFileException(path, line, column,
                        $"byte 0x{span[offset]:X2} is not UTF-8 (a Latin-1 or Windows-1252 character?); save the file as UTF-8.");
                if (rune.Value == '\n') { line++; column = 1; } else column++;
                offset += consumed;
            }
            throw;
        }
    }

    public void Update(Action<OutlookConfiguration> change) => Update<object?>(c => { change(c); return null; });

    /// <summary>Locks, re-reads the file, applies <paramref name="change"/> and saves when the text changed.
    /// If <paramref name="change"/> throws, nothing is written.</summary>
    /// <exception cref="ConfigurationAccessException">a folder, a read-only file, or the system refused (at once).</exception>
    /// <exception cref="FileLockedException">another process held the lock for <see cref="LockTimeout"/>.</exception>
    public T Update<T>(Func<OutlookConfiguration, T> change)
    {
        CheckWritable();
        EnsureDirectory();
        using var held = AcquireLock();
        CheckWritable();
        var (config, oldText) = Read();
        var result = change(config);
        var newText = ConfigurationSerializer.Serialize(config);
        if (!string.Equals(newText, oldText, StringComparison.Ordinal))
        {
            try { WriteAtomically(newText); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { throw ConfigurationAccessException.From(e, Path, "write", write: true); }
        }
        return result;
    }

    /// <summary>A folder or a read-only file (no write permission bit on Unix, the ReadOnly attribute on Windows) is
    /// refused, not replaced: the atomic rename would otherwise overwrite a file its owner protected.</summary>
    void CheckWritable()
    {
        if (Directory.Exists(Path)) throw ConfigurationAccessException.Folder(Path);
        if (!File.Exists(Path)) return;
        var readOnly = OperatingSystem.IsWindows()
            ? File.GetAttributes(Path).HasFlag(FileAttributes.ReadOnly)
            : (File.GetUnixFileMode(Path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
        if (readOnly) throw ConfigurationAccessException.ReadOnly(Path);
    }

    void EnsureDirectory()
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        try { OwnerOnlyFile.EnsureDirectory(directory, tighten: false); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { throw ConfigurationAccessException.From(e, directory, "create the folder", write: true); }
    }

    /// <summary>"process 1234 (pwsh) on host", or null when unknown or no longer running.</summary>
    internal string? LockHolder() => FileLock.Holder(LockPath);

    FileLock AcquireLock()
    {
        try { return FileLock.Acquire(LockPath, Path, $"the configuration '{Path}'", "ConfigurationLocked", LockTimeout, LockWaiting); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw ConfigurationAccessException.From(e, LockPath, "create the lock file", write: true);
        }
    }

    /// <summary>Writes <paramref name="text"/> atomically (benchmarks measure the save alone through this).</summary>
    internal void WriteAtomically(string text) => OwnerOnlyFile.WriteAtomically(Path, Utf8.GetBytes(text), beforeReplace: BeforeReplace);
}
