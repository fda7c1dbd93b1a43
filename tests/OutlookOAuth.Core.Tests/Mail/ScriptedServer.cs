using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OutlookOAuth.Tests.Mail;

/// <summary>
/// A tiny TCP server on 127.0.0.1 that runs a script per connection: the socket fixtures of the issue (a server that
/// stalls after the greeting, one that drops during AUTH, one with an untrusted certificate) and servers that answer
/// with Microsoft 365's exact replies. Not a mock of Dovecot/Postfix: those are tested for real in the lab tests.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Func<ScriptedConnection, Task> _script;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _connections = new();
    readonly Task _accept;
    int _active, _maxActive, _count;

    public ScriptedServer(Func<ScriptedConnection, Task> script)
    {
        _script = script;
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptAsync();
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public int Connections => Volatile.Read(ref _count);
    /// <summary>The most connections open at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxActive);
    public List<string> Received { get; } = new();

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _count);
            var active = Interlocked.Increment(ref _active);
            int seen;
            while ((seen = Volatile.Read(ref _maxActive)) < active && Interlocked.CompareExchange(ref _maxActive, active, seen) != seen) { }
            lock (_connections) _connections.Add(Task.Run(() => RunAsync(socket)));
        }
    }

    async Task RunAsync(Socket socket)
    {
        var connection = new ScriptedConnection(socket, this, _stop.Token);
        try { await _script(connection); }
        catch (Exception) { /* the client went away or the test stopped us */ }
        finally
        {
            connection.Finished();
            connection.Dispose();
        }
    }

    /// <summary>Counts a connection as no longer active (once).</summary>
    internal void Release() => Interlocked.Decrement(ref _active);

    internal void Record(string line) { lock (Received) Received.Add(line); }

    bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _listener.Stop();
        await _accept;
        Task[] running;
        lock (_connections) running = _connections.ToArray();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    /// <summary>A port nothing listens on (bound then released).</summary>
    public static int UnusedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

public sealed class ScriptedConnection : IDisposable
{
    readonly Socket _socket;
    readonly ScriptedServer _server;
    Stream _stream;

    internal ScriptedConnection(Socket socket, ScriptedServer server, CancellationToken stop)
    {
        _socket = socket;
        _server = server;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Stop = stop;
    }

    public CancellationToken Stop { get; }

    int _finished;

    /// <summary>The script's work with this client is over: it no longer counts for <see cref="ScriptedServer.MaxConcurrent"/>.
    /// Call it before the last reply to measure the client's concurrency exactly (the client may close, and start its next
    /// connection, before this side notices); otherwise the end of the script counts.</summary>
    public void Finished()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 0) _server.Release();
    }

    public async Task SendAsync(params string[] lines)
    {
        foreach (var line in lines)
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), Stop);
        await _stream.FlushAsync(Stop);
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes, Stop).AsTask();

    /// <summary>One line from the client (without CRLF), or null at end of stream. Byte by byte, so nothing after the
    /// line is consumed (STARTTLS).</summary>
    public async Task<string?> ReadLineAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var n = await _stream.ReadAsync(one, Stop);
            if (n == 0) return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
            if (one[0] == '\n') break;
            bytes.Add(one[0]);
        }
        if (bytes.Count > 0 && bytes[^1] == '\r') bytes.RemoveAt(bytes.Count - 1);
        var line = Encoding.UTF8.GetString(bytes.ToArray());
        _server.Record(line);
        return line;
    }

    /// <summary>The tag of an IMAP command line ("A00000003 SELECT INBOX" → "A00000003").</summary>
    public static string Tag(string line) => line.Split(' ', 2)[0];

    /// <summary>Reads an IMAP command and checks what follows its tag (the client chooses the tags); returns the tag.
    /// MailKit's housekeeping after login (CAPABILITY, NAMESPACE, LIST) is answered on the way with an empty result.</summary>
    public async Task<string> ExpectCommandAsync(string command, string capabilities = "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
    {
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("client closed");
            var parts = line.Split(' ', 2);
            var rest = parts.Length > 1 ? parts[1] : "";
            if (rest.StartsWith(command, StringComparison.OrdinalIgnoreCase)) return parts[0];
            if (rest.StartsWith("CAPABILITY", StringComparison.OrdinalIgnoreCase)) await SendAsync($"* CAPABILITY {capabilities}", $"{parts[0]} OK done");
            else if (rest.StartsWith("NAMESPACE", StringComparison.OrdinalIgnoreCase)) await SendAsync("* NAMESPACE ((\"\" \"/\")) NIL NIL", $"{parts[0]} OK done");
            else if (rest.StartsWith("LIST", StringComparison.OrdinalIgnoreCase)) await SendAsync($"{parts[0]} OK done");
            else throw new InvalidDataException($"expected {command}, got {line}");
        }
    }

    public async Task<string> ExpectAsync(string prefix)
    {
        var line = await ReadLineAsync() ?? throw new IOException("client closed");
        if (!line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException($"expected {prefix}, got {line}");
        return line;
    }

    public async Task TlsAsync(X509Certificate2 certificate)
    {
        var ssl = new SslStream(_stream, false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, Stop);
        _stream = ssl;
    }

    /// <summary>Says nothing until the test ends.</summary>
    public Task StallAsync() => Task.Delay(Timeout.Infinite, Stop);

    /// <summary>Closes the connection abruptly.</summary>
    public void Drop()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _stream.Dispose();

    // ----- canned dialogues

    /// <summary>SMTP up to the point where the client has said EHLO over TLS (STARTTLS on a plain port).</summary>
    public async Task SmtpStartTlsAsync(X509Certificate2 certificate, string auth = "AUTH LOGIN XOAUTH2")
    {
        await SendAsync("220 fixture.test ESMTP ready");
        await ExpectAsync("EHLO");
        await SendAsync("250-fixture.test Hello", "250-SIZE 157286400", "250-STARTTLS", "250 ENHANCEDSTATUSCODES");
        await ExpectAsync("STARTTLS");
        await SendAsync("220 2.0.0 SMTP server ready");
        await TlsAsync(certificate);
        await ExpectAsync("EHLO");
        await SendAsync("250-fixture.test Hello", "250-SIZE 157286400", "250-" + auth, "250 ENHANCEDSTATUSCODES");
    }

    /// <summary>IMAP over implicit TLS up to the client's first command after the greeting.</summary>
    public async Task ImapTlsGreetingAsync(X509Certificate2 certificate, string capabilities = "IMAP4rev1 SASL-IR AUTH=XOAUTH2")
    {
        await TlsAsync(certificate);
        await SendAsync($"* OK [CAPABILITY {capabilities}] fixture ready");
    }
}
