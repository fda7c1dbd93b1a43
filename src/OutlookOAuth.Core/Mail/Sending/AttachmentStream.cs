using System.Runtime.InteropServices;

namespace OutlookOAuth.Mail.Sending;

/// <summary>An attachment's file, opened only when it is a regular file (a folder, a FIFO or a device is refused before it
/// is opened: opening a FIFO blocks until a writer comes, reading a device may never end), whose read errors are
/// <see cref="AttachmentReadException"/>s: the sender reports them as a local file error and never as a lost connection.</summary>
internal sealed class AttachmentStream : Stream
{
    readonly FileStream _file;

    AttachmentStream(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> for streaming into a message; every refusal is a <see cref="MailSendException"/>.</summary>
    public static AttachmentStream Open(string path)
    {
        const string hint = "Check the path given to -Attachment (relative paths are resolved against the current location).";
        if (Directory.Exists(path))
            throw new MailSendException("AttachmentIsFolder", FailureKind.InvalidArgument, $"The attachment '{path}' is a folder, not a file.",
                "Attach the files of the folder (-Attachment (Get-ChildItem <folder> -File).FullName), or a .zip of it (Compress-Archive).");
        if (!File.Exists(path))
            throw new MailSendException("AttachmentNotFound", FailureKind.InvalidArgument, $"The attachment '{path}' does not exist.", hint);
        if (FileType(path) is { } type && type != "regular file")
            throw new MailSendException("AttachmentNotRegularFile", FailureKind.InvalidArgument,
                $"The attachment '{path}' is a {type}, not a regular file: it is not read (it could block or never end).",
                "Copy what you want to send into a regular file and attach that.");
        try { return new AttachmentStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.SequentialScan), path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MailSendException(e is UnauthorizedAccessException ? "AttachmentUnreadable" : "AttachmentNotFound", FailureKind.InvalidArgument,
                $"The attachment '{path}' cannot be read: {e.Message}", hint, inner: e);
        }
    }

    // The .NET runtime's own stat (System.Native, the PAL under System.IO): its FileStatus starts with Flags then Mode,
    // whose S_IFMT bits are the PAL's (FIFO 0x1000, character device 0x2000, directory 0x4000, block device 0x6000,
    // regular file 0x8000, socket 0xC000). The BCL exposes no file type on Unix.
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);

    /// <summary>"regular file", "FIFO", ... on Unix; null on Windows or when it cannot be told.</summary>
    internal static string? FileType(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        var status = new byte[512]; // larger than FileStatus on every platform
        try { if (Stat(path, status) != 0) return null; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
        return (BitConverter.ToInt32(status, 4) & 0xF000) switch
        {
            0x8000 => "regular file",
            0x4000 => "folder",
            0x1000 => "FIFO (named pipe)",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => "special file",
        };
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try { return _file.Read(buffer, offset, count); }
        catch (IOException e) { throw new AttachmentReadException(Path, e); }
    }

    public override int Read(Span<byte> buffer)
    {
        try { return _file.Read(buffer); }
        catch (IOException e) { throw new AttachmentReadException(Path, e); }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { return await _file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (IOException e) { throw new AttachmentReadException(Path, e); }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => _file.CanSeek;
    public override bool CanWrite => false;
    public override long Length => _file.Length;
    public override long Position { get => _file.Position; set => _file.Position = value; }
    public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _file.Dispose();
        base.Dispose(disposing);
    }
}
