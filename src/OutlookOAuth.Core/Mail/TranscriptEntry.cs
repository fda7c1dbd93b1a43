using System.Text;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>One line of a protocol transcript, already redacted.</summary>
public sealed record TranscriptEntry(DateTimeOffset Time, string Endpoint, TranscriptDirection Direction, string Text)
{
    public override string ToString() => Direction switch
    {
        TranscriptDirection.Client => $"{Endpoint} C: {Text}",
        TranscriptDirection.Server => $"{Endpoint} S: {Text}",
        _ => $"{Endpoint} * {Text}",
    };
}
