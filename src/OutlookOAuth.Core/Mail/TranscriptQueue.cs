using System.Collections.Concurrent;

namespace OutlookOAuth.Mail;

/// <summary>A transcript sink that protocol work on any thread writes to and the pipeline thread drains
/// (<see cref="TryDequeue"/>), so that the lines reach the Verbose stream from the thread PowerShell allows.</summary>
public sealed class TranscriptQueue : ITranscriptSink
{
    readonly ConcurrentQueue<string> _lines = new();

    public void Write(TranscriptEntry entry) => _lines.Enqueue(entry.ToString());

    /// <summary>A line of the command's own ("reconnecting", "waited ..."), in order with the protocol lines.</summary>
    public void Add(string line) => _lines.Enqueue(line);

    public bool TryDequeue(out string line) => _lines.TryDequeue(out line!);
}
