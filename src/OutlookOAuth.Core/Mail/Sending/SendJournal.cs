using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OutlookOAuth.Mail.Sending;

/// <summary>
/// The journal of a mailing (Send-OutlookMail -Journal): one line per message the server accepted, written and flushed to
/// disk right after its reply to the data, so that a re-run of an interrupted mailing skips what was already accepted.
/// A message's key is its Message-Id when it has one of its own (an .eml's, a MessageId column), else a hash of what
/// composes it (sender, recipients, subject, body, priority, attachment paths) and how many identical messages came
/// before it in the run, so that a CSV re-run gives each row the same key. One run at a time: the file is held
/// exclusively while the mailing runs. Owner-only (0600), like the configuration.
/// </summary>
public sealed class SendJournal : IDisposable
{
    readonly FileStream _file;
    readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);

    SendJournal(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }
    /// <summary>Messages the journal held when it was opened.</summary>
    public int Count => _sent.Count;

    /// <summary>Opens (or creates, 0600) the journal at <paramref name="path"/> and reads the keys it holds. A last line
    /// cut short (a crash while it was written) does not count: that message may be sent again.</summary>
    public static SendJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new MailSendException("InvalidJournal", FailureKind.InvalidArgument, $"The journal '{path}' is a folder; -Journal takes a file.");
        FileStream file;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            file = new FileStream(path, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MailSendException("JournalUnavailable", FailureKind.Busy, $"The journal '{path}' cannot be opened: {e.Message}",
                "Another mailing may be using it (one run at a time per journal), or the folder does not exist or is not writable.", inner: e);
        }
        var journal = new SendJournal(file, path);
        try
        {
            var bytes = new byte[file.Length];
            file.ReadExactly(bytes);
            var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
            var lines = Encoding.UTF8.GetString(bytes, 0, complete).Split('\n');
            // The last element is "" after a complete last line, or the unfinished line of an interrupted write.
            for (var i = 0; i < lines.Length - 1; i++)
            {
                var line = lines[i].TrimEnd('\r');
                if (line.Length == 0 || line[0] == '#') continue;
                var tab = line.IndexOf('\t');
                if (tab <= 0)
                    throw new MailSendException("InvalidJournal", FailureKind.InvalidData,
                        $"{path}:{i + 1}: not a journal line (key, tab, Message-Id, tab, time).", "Give -Journal a file of its own; it is written by Send-OutlookMail only.");
                journal._sent.Add(line[..tab]);
            }
            if (complete < bytes.Length) file.SetLength(complete); // drops a cut line so that the next one starts clean
            file.Seek(0, SeekOrigin.End);
            return journal;
        }
        catch
        {
            journal.Dispose();
            throw;
        }
    }

    /// <summary>The key of a prepared message in this run, or null when it has none (a ready message without a
    /// Message-Id that is not a file): such a message is always sent.</summary>
    public string? KeyOf(MailRequest request, PreparedMail mail)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.OriginalMessageId is { } id) return "id:" + id;
        if (request.MessagePath is { } eml) return "file:" + eml;
        if (request.Message is not null) return null;
        var fields = new List<string> { request.From ?? "" };
        foreach (var list in new[] { request.To, request.Cc, request.Bcc, request.ReplyTo, request.Attachments })
            fields.Add(string.Join("\u0001", list));
        fields.AddRange([request.Subject ?? "", request.Body ?? "", request.BodyAsHtml ? "html" : "text", request.Priority.ToString()]);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", fields.Select(f => f.Length.ToString(CultureInfo.InvariantCulture) + ":" + f)))));
        var n = _occurrences[hash] = _occurrences.GetValueOrDefault(hash) + 1;
        return $"sha256:{hash}#{n}";
    }

    /// <summary>True when an earlier run recorded <paramref name="key"/> as accepted.</summary>
    public bool Contains(string? key) => key is not null && _sent.Contains(key);

    /// <summary>Records a message the server accepted, on disk before it returns.</summary>
    public void Record(string? key, MailSendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (key is null) return;
        var line = $"{key}\t{result.MessageId}\t{result.SentOn.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}\n";
        try
        {
            _file.Write(Encoding.UTF8.GetBytes(line));
            _file.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new MailSendException("JournalWriteFailed", FailureKind.Write,
                $"The message {result.MessageId} was sent, but the journal '{Path}' could not record it: {e.Message}",
                "A re-run would send this message again: fix the disk, then add the line by hand or remove the message's row before re-running.", inner: e);
        }
        _sent.Add(key);
    }

    public void Dispose() => _file.Dispose();
}
