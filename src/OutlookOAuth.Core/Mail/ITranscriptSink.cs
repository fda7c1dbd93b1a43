using System.Text;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>Receives the redacted protocol transcript (the cmdlet forwards it to the verbose stream).
/// Called from the connection's thread: implementations must be thread-safe.</summary>
public interface ITranscriptSink
{
    void Write(TranscriptEntry entry);
}
