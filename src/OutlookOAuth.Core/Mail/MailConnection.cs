using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

/// <summary>Settings of one SMTP/IMAP connection.</summary>
public sealed class MailConnectionOptions
{
    /// <summary>Limit of each network step (DNS, connect, handshake, one read, one write).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Server certificate validation; never off. Default: system roots plus $env:OUTLOOKOAUTH_CA_FILE.</summary>
    public CertificateTrust? Trust { get; init; }
    /// <summary>Longest line accepted from the server (bytes, without CRLF).</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;
    /// <summary>Largest IMAP literal accepted from the server.</summary>
    public int MaxLiteralLength { get; init; } = 64 * 1024 * 1024;
    /// <summary>Receives the redacted protocol transcript, or null.</summary>
    public ITranscriptSink? Transcript { get; init; }
}

/// <summary>
/// A TCP connection to a mail server with an optional TLS layer (implicit or upgraded), a line reader with a
/// maximum line length, and a timeout plus cancellation on every step: nothing can hang. All failures are
/// <see cref="MailProtocolException"/>s naming the endpoint and the step; caller cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class MailConnection : IAsyncDisposable, IDisposable
{
    readonly Socket _socket;
    readonly MailConnectionOptions _options;
    readonly CertificateTrust _trust;
    readonly List<string> _secrets = new();
    Stream _stream;
    byte[] _buffer = new byte[8192];
    int _start, _end;
    bool _disposed;

    MailConnection(Socket socket, string host, int port, MailConnectionOptions options, CertificateTrust trust)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Host = host;
        Port = port;
        _options = options;
        _trust = trust;
    }

    public string Host { get; }
    public int Port { get; }
    public string Endpoint => $"{Host}:{Port}";
    public bool IsEncrypted => _stream is SslStream;
    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;
    public TimeSpan Timeout => _options.Timeout;
    public EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Resolves <paramref name="host"/> and connects to the first address that answers, within the timeout.</summary>
    public static async Task<MailConnection> OpenAsync(string host, int port, MailConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port));
        options ??= new MailConnectionOptions();
        var trust = options.Trust ?? CertificateTrust.FromEnvironment();
        var endpoint = $"{host}:{port}";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.Timeout);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal)
                ? new[] { literal }
                : await Dns.GetHostAddressesAsync(host, cts.Token).WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MailProtocolException(MailFailure.Timeout, $"Resolving '{host}' took longer than {Seconds(options.Timeout)}.");
        }
        catch (SocketException e)
        {
            throw new MailProtocolException(MailFailure.HostNotFound, $"The host name '{host}' cannot be resolved ({e.SocketErrorCode}).", e);
        }
        if (addresses.Length == 0)
            throw new MailProtocolException(MailFailure.HostNotFound, $"The host name '{host}' has no address.");

        MailProtocolException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token).ConfigureAwait(false);
                var connection = new MailConnection(socket, host, port, options, trust);
                connection.Info($"connected to {address}:{port}");
                return connection;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new MailProtocolException(MailFailure.Timeout, $"Connecting to {endpoint} ({address}) took longer than {Seconds(options.Timeout)}.");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => new MailProtocolException(MailFailure.ConnectionRefused, $"{endpoint} ({address}) refused the connection: nothing listens on port {port}.", e),
                    SocketError.TimedOut => new MailProtocolException(MailFailure.Timeout, $"Connecting to {endpoint} ({address}) timed out.", e),
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown or SocketError.HostDown =>
                        new MailProtocolException(MailFailure.NetworkUnreachable, $"{endpoint} ({address}) is unreachable ({e.SocketErrorCode}).", e),
                    _ => new MailProtocolException(MailFailure.ConnectionClosed, $"Cannot connect to {endpoint} ({address}): {e.SocketErrorCode}.", e),
                };
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Adds TLS over the connection (implicit TLS right after connect, or after STARTTLS) and validates the
    /// server certificate for <see cref="Host"/> with the configured trust.</summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken = default)
    {
        if (IsEncrypted) throw new InvalidOperationException("The connection is already encrypted.");
        if (_start != _end)
            throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Endpoint} sent data before the TLS handshake (possible STARTTLS injection).");
        string? refusal = null;
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (sender, certificate, chain, errors) =>
        {
            if (_trust.Validate(certificate, chain, errors, out var reason)) return true;
            refusal = reason;
            return false;
        });
        var auth = new SslClientAuthenticationOptions
        {
            TargetHost = Host,
            EnabledSslProtocols = SslProtocols.None, // the system's secure defaults (TLS 1.2/1.3)
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        using var cts = Linked(cancellationToken);
        try
        {
            await ssl.AuthenticateAsClientAsync(auth, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MailProtocolException(MailFailure.Timeout, $"The TLS handshake with {Endpoint} took longer than {Seconds(Timeout)}.");
        }
        catch (AuthenticationException e) when (refusal is not null)
        {
            var failure = refusal.Contains("name mismatch", StringComparison.Ordinal) ? MailFailure.CertificateNameMismatch : MailFailure.CertificateNotTrusted;
            throw new MailProtocolException(failure, $"The TLS certificate of {Endpoint} was refused: {refusal}.", e);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            throw new MailProtocolException(MailFailure.TlsHandshakeFailed, $"The TLS handshake with {Endpoint} failed: {Innermost(e).Message}", e);
        }
        _stream = ssl;
        Info($"TLS established ({ssl.SslProtocol}, {ssl.NegotiatedCipherSuite}, certificate {ssl.RemoteCertificate?.Subject})");
    }

    /// <summary>Values replaced by <see cref="TranscriptRedaction.Mask"/> in every transcript line from now on.</summary>
    public void AddSecret(string secret)
    {
        if (!string.IsNullOrEmpty(secret)) lock (_secrets) _secrets.Add(secret);
    }

    /// <summary>Reads one line (without CRLF or LF), within the timeout.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        var scanned = 0;
        while (true)
        {
            var found = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (found >= 0)
            {
                var lf = _start + scanned + found;
                var length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == '\r') length--;
                if (length > _options.MaxLineLength) throw LineTooLong();
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = lf + 1;
                Trace(TranscriptDirection.Server, line);
                return line;
            }
            scanned = _end - _start;
            if (scanned > _options.MaxLineLength + 1) throw LineTooLong();
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (an IMAP literal), within the timeout per read.</summary>
    public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count < 0 || count > _options.MaxLiteralLength)
            throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Endpoint} announced a literal of {count} bytes (limit {_options.MaxLiteralLength}).");
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            if (_start == _end) await FillAsync(cancellationToken).ConfigureAwait(false);
            var n = Math.Min(count - done, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, done, n);
            _start += n;
            done += n;
        }
        return result;
    }

    /// <summary>Sends one line followed by CRLF. <paramref name="transcript"/> replaces the line in the transcript
    /// (for lines that carry secrets); the known secrets are masked in any case.</summary>
    public Task WriteLineAsync(string line, string? transcript = null, CancellationToken cancellationToken = default)
    {
        if (line.Contains('\r') || line.Contains('\n'))
            throw new ArgumentException("A command line must not contain CR or LF.", nameof(line));
        Trace(TranscriptDirection.Client, transcript ?? line);
        var bytes = new byte[Encoding.UTF8.GetByteCount(line) + 2];
        Encoding.UTF8.GetBytes(line, bytes);
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Sends raw bytes (message content), within the timeout.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        using var cts = Linked(cancellationToken);
        try
        {
            await _stream.WriteAsync(data, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MailProtocolException(MailFailure.Timeout, $"Sending to {Endpoint} took longer than {Seconds(Timeout)}.");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new MailProtocolException(MailFailure.ConnectionClosed, $"{Endpoint} closed the connection while data was being sent ({Innermost(e).Message}).", e);
        }
    }

    /// <summary>Writes an informational line to the transcript.</summary>
    public void Info(string text) => _options.Transcript?.Write(new TranscriptEntry(DateTimeOffset.Now, Endpoint, TranscriptDirection.Info, text));

    async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _options.MaxLineLength + 2 + _buffer.Length));
        }
        using var cts = Linked(cancellationToken);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MailProtocolException(MailFailure.Timeout, $"{Endpoint} did not answer within {Seconds(Timeout)}.");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new MailProtocolException(MailFailure.ConnectionClosed, $"{Endpoint} closed the connection ({Innermost(e).Message}).", e);
        }
        if (read == 0) throw new MailProtocolException(MailFailure.ConnectionClosed, $"{Endpoint} closed the connection.");
        _end += read;
    }

    void Trace(TranscriptDirection direction, string text)
    {
        if (_options.Transcript is null) return;
        string[] secrets;
        lock (_secrets) secrets = _secrets.ToArray();
        var shown = TranscriptRedaction.Printable(TranscriptRedaction.Redact(text, secrets));
        _options.Transcript.Write(new TranscriptEntry(DateTimeOffset.Now, Endpoint, direction, shown));
    }

    CancellationTokenSource Linked(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        return cts;
    }

    MailProtocolException LineTooLong() =>
        new(MailFailure.ProtocolViolation, $"{Endpoint} sent a line longer than {_options.MaxLineLength} bytes.");

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _stream.Dispose(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        _socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
