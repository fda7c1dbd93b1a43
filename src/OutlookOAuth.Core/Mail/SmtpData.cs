namespace OutlookOAuth.Mail;

/// <summary>Encodes message content for the SMTP DATA phase (RFC 5321 §4.5.2): every line ends with CRLF (bare CR
/// or LF are normalized), a line that starts with '.' gets one more '.', and the content ends with CRLF.CRLF.</summary>
public static class SmtpData
{
    public static byte[] Encode(ReadOnlySpan<byte> message)
    {
        var output = new List<byte>(message.Length + message.Length / 32 + 8);
        var lineStart = true;
        for (var i = 0; i < message.Length; i++)
        {
            var b = message[i];
            if (b == '\r' || b == '\n')
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (b == '\r' && i + 1 < message.Length && message[i + 1] == '\n') i++;
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') output.Add((byte)'.');
            output.Add(b);
            lineStart = false;
        }
        if (!lineStart) { output.Add((byte)'\r'); output.Add((byte)'\n'); }
        output.Add((byte)'.'); output.Add((byte)'\r'); output.Add((byte)'\n');
        return output.ToArray();
    }
}
