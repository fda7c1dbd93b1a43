using System.Text;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>Collects entries in memory (tests, and the runner that hands them to the pipeline thread).</summary>
public sealed class TranscriptBuffer : ITranscriptSink
{
    readonly List<TranscriptEntry> _entries = new();

    public void Write(TranscriptEntry entry) { lock (_entries) _entries.Add(entry); }

    public IReadOnlyList<TranscriptEntry> Entries { get { lock (_entries) return _entries.ToArray(); } }

    public override string ToString() => string.Join("\n", Entries);
}
