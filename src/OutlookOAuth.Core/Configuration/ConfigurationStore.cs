using System.Diagnostics;
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

    public ConfigurationStore(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }
    public string LockPath => Path + ".lock";
    public bool Exists => File.Exists(Path);

    /// <summary>How long <see cref="Update{T}"/> waits for another process's lock.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Test seam: called after the new file is written and flushed, before it replaces the old one.</summary>
    internal Action<string>? BeforeReplace { get; set; }

    /// <summary>The configuration; an empty one when the file does not exist yet.</summary>
    public OutlookConfiguration Load() => Read().Config;

    (OutlookConfiguration Config, string? Text) Read()
    {
        string text;
        try { text = File.ReadAllText(Path, Utf8); }
        catch (FileNotFoundException) { return (new OutlookConfiguration(), null); }
        catch (DirectoryNotFoundException) { return (new OutlookConfiguration(), null); }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return (ConfigurationSerializer.Parse(text, Path), text);
    }

    public void Update(Action<OutlookConfiguration> change) => Update<object?>(c => { change(c); return null; });

    /// <summary>Locks, re-reads the file, applies <paramref name="change"/> and saves when the text changed.
    /// If <paramref name="change"/> throws, nothing is written.</summary>
    public T Update<T>(Func<OutlookConfiguration, T> change)
    {
        EnsureDirectory();
        using var _ = AcquireLock();
        var (config, oldText) = Read();
        var result = change(config);
        var newText = ConfigurationSerializer.Serialize(config);
        if (!string.Equals(newText, oldText, StringComparison.Ordinal)) WriteAtomically(newText);
        return result;
    }

    void EnsureDirectory() => OwnerOnlyFile.EnsureDirectory(System.IO.Path.GetDirectoryName(Path)!, tighten: false);

    FileStream AcquireLock()
    {
        var watch = Stopwatch.StartNew();
        var delay = 5;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile.FileMode;
        while (true)
        {
            try
            {
                return new FileStream(LockPath, options);
            }
            catch (IOException) when (watch.Elapsed < LockTimeout)
            {
                Thread.Sleep(Random.Shared.Next(delay / 2 + 1, delay + 1));
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException)
            {
                throw new ConfigurationLockException(Path, watch.Elapsed);
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> atomically (benchmarks measure the save alone through this).</summary>
    internal void WriteAtomically(string text) => OwnerOnlyFile.WriteAtomically(Path, Utf8.GetBytes(text), beforeReplace: BeforeReplace);
}
