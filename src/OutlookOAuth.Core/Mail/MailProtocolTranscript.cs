using System.Globalization;
using System.Text;
using MailKit;

namespace OutlookOAuth.Mail;

/// <summary>
/// MailKit's protocol log of one connection, turned into redacted <see cref="TranscriptEntry"/> lines for an
/// <see cref="ITranscriptSink"/>: bytes MailKit's <see cref="IAuthenticationSecretDetector"/> marks as secret (the SASL
/// payload), the token and any known secret are replaced by <see cref="TranscriptRedaction.Mask"/>, message content is
/// summarized as a byte count, and control characters are escaped. It also remembers what the error mapping of
/// <see cref="MailClientConnector"/> needs: the last server reply, a SASL error challenge, whether STARTTLS was sent,
/// and why a certificate was refused. Thread-safe; one instance per connection.
/// </summary>
public sealed class MailProtocolTranscript : IProtocolLogger
{
    readonly ITranscriptSink? _sink;
    readonly object _gate = new();
    readonly List<string> _secrets = new();
    readonly StringBuilder _client = new(), _server = new();
    bool _inData;
    long _literalRemaining;   // bytes of an IMAP literal ({N} at the end of a server line) still to come: content, not shown
    long _contentBytes, _bdatRemaining;
    string? _lastServerLine, _challenge;
    bool _startTlsSent;
    long? _startTlsSentAt;

    public MailProtocolTranscript(string endpoint, ITranscriptSink? sink)
    {
        Endpoint = endpoint;
        _sink = sink;
    }

    /// <summary>"host:port", the endpoint of every entry.</summary>
    public string Endpoint { get; }

    /// <summary>Set by MailKit's clients during authentication.</summary>
    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>The last complete line the server sent, unredacted (it carries no client secret), or null.</summary>
    public string? LastServerLine { get { lock (_gate) return _lastServerLine; } }

    /// <summary>The decoded SASL error challenge of a refused authentication (XOAUTH2 sends a JSON object), or null.</summary>
    public string? Challenge { get { lock (_gate) return _challenge; } }

    /// <summary>True once the client sent STARTTLS (a failure after it belongs to the TLS stage).</summary>
    public bool StartTlsSent { get { lock (_gate) return _startTlsSent; } }

    /// <summary>When STARTTLS was sent (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), or null.</summary>
    public long? StartTlsSentAt { get { lock (_gate) return _startTlsSentAt; } }

    /// <summary>Why the server certificate was refused (set by the connector's validation callback), or null.</summary>
    public string? CertificateRefusal { get; internal set; }

    /// <summary>The subject of the accepted server certificate, or null.</summary>
    public string? CertificateSubject { get; internal set; }

    /// <summary>Masks <paramref name="secret"/> in every later line.</summary>
    public void AddSecret(string secret)
    {
        if (string.IsNullOrEmpty(secret)) return;
        lock (_gate) _secrets.Add(secret);
    }

    /// <summary>Writes an informational line.</summary>
    public void Info(string text) =>
        _sink?.Write(new TranscriptEntry(DateTimeOffset.Now, Endpoint, TranscriptDirection.Info, TranscriptRedaction.Printable(Redact(text))));

    public void LogConnect(Uri uri) { }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        // The detector must see every client buffer (it tracks the SASL exchange), even without a sink.
        var secrets = AuthenticationSecretDetector?.DetectSecrets(buffer, offset, count);
        lock (_gate)
        {
            var end = offset + count;
            var position = offset;
            while (position < end)
            {
                if (_inData)
                {
                    // DATA content: nothing is shown until the server answers it.
                    _contentBytes += end - position;
                    return;
                }
                if (_bdatRemaining > 0)
                {
                    var n = (int)Math.Min(_bdatRemaining, end - position);
                    _bdatRemaining -= n;
                    _contentBytes += n;
                    position += n;
                    if (_bdatRemaining == 0) FlushContent();
                    continue;
                }
                var lf = Array.IndexOf(buffer, (byte)'\n', position, end - position);
                var stop = lf < 0 ? end : lf + 1;
                AppendMasked(_client, buffer, position, stop, secrets);
                position = stop;
                if (lf >= 0) ClientLine(TakeLine(_client));
            }
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        lock (_gate)
        {
            if (_inData) { _inData = false; FlushContent(); }
            var end = offset + count;
            var position = offset;
            while (position < end)
            {
                if (_literalRemaining > 0)
                {
                    var n = (int)Math.Min(_literalRemaining, end - position);
                    _literalRemaining -= n;
                    _contentBytes += n;
                    position += n;
                    if (_literalRemaining == 0) FlushContent();
                    continue;
                }
                var lf = Array.IndexOf(buffer, (byte)'\n', position, end - position);
                var stop = lf < 0 ? end : lf + 1;
                _server.Append(Encoding.UTF8.GetString(buffer, position, stop - position));
                position = stop;
                if (lf >= 0) ServerLine(TakeLine(_server));
            }
        }
    }

    void ClientLine(string line)
    {
        if (!_startTlsSent && line.EndsWith("STARTTLS", StringComparison.OrdinalIgnoreCase))
        {
            _startTlsSent = true;
            _startTlsSentAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        Write(TranscriptDirection.Client, line);
        if (line.StartsWith("BDAT ", StringComparison.OrdinalIgnoreCase))
        {
            var size = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            if (long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) _bdatRemaining = n;
        }
    }

    void ServerLine(string line)
    {
        _lastServerLine = line;
        if (line.StartsWith("354", StringComparison.Ordinal)) _inData = true;
        // A SASL error challenge: "334 <base64>" (SMTP) or "+ <base64>" (IMAP) carrying a JSON object.
        var payload = line.StartsWith("334 ", StringComparison.Ordinal) ? line[4..] : line.StartsWith("+ ", StringComparison.Ordinal) ? line[2..] : null;
        Write(TranscriptDirection.Server, line);
        // An IMAP literal (a FETCHed message body): its bytes are counted, never shown, as SMTP DATA is.
        if (line.EndsWith('}') && line.LastIndexOf('{') is var open and >= 0 &&
            long.TryParse(line.AsSpan(open + 1, line.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var literal) && literal > 0)
            _literalRemaining = literal;
        if (payload is not null && DecodeJson(payload.Trim()) is { } json)
        {
            _challenge = json;
            Write(TranscriptDirection.Info, "error challenge: " + json);
        }
    }

    void FlushContent()
    {
        if (_contentBytes == 0) return;
        Write(TranscriptDirection.Info, $"message content: {_contentBytes} bytes (not shown)");
        _contentBytes = 0;
    }

    void Write(TranscriptDirection direction, string text)
    {
        if (_sink is null) return;
        _sink.Write(new TranscriptEntry(DateTimeOffset.Now, Endpoint, direction, TranscriptRedaction.Printable(Redact(text))));
    }

    string Redact(string text)
    {
        string[] secrets;
        lock (_gate) secrets = _secrets.ToArray();
        return TranscriptRedaction.Redact(text, secrets);
    }

    static void AppendMasked(StringBuilder target, byte[] buffer, int start, int stop, IList<AuthenticationSecret>? secrets)
    {
        var position = start;
        if (secrets is not null)
            foreach (var s in secrets.OrderBy(s => s.StartIndex))
            {
                var from = Math.Max(s.StartIndex, position);
                var to = Math.Min(s.StartIndex + s.Length, stop);
                if (to <= from) continue;
                target.Append(Encoding.UTF8.GetString(buffer, position, from - position)).Append(TranscriptRedaction.Mask);
                position = to;
            }
        if (stop > position) target.Append(Encoding.UTF8.GetString(buffer, position, stop - position));
    }

    static string TakeLine(StringBuilder b)
    {
        var line = b.ToString().TrimEnd('\n').TrimEnd('\r');
        b.Clear();
        return line;
    }

    static string? DecodeJson(string base64)
    {
        if (base64.Length == 0 || base64.Length % 4 != 0) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            return text.TrimStart().StartsWith('{') ? text : null;
        }
        catch (FormatException) { return null; }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_client.Length > 0) ClientLine(TakeLine(_client));
            if (_server.Length > 0) ServerLine(TakeLine(_server));
        }
    }
}
