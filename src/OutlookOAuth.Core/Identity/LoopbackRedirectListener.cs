using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OutlookOAuth.Identity;

/// <summary>Receives the authorization redirect on <c>http://localhost:&lt;port&gt;/&lt;path&gt;</c>
/// (Entra ignores the port of loopback redirect URIs). Listens on 127.0.0.1 and, when it can, ::1;
/// answers GET (response_mode=query) and POST (form_post); ignores other paths and idle connections.</summary>
public sealed class LoopbackRedirectListener : IAsyncDisposable
{
    readonly List<TcpListener> _listeners = new();
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource<AuthorizationResponse> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly string _path;

    LoopbackRedirectListener(string path) => _path = path;

    /// <summary>The redirect URI to send to the authority.</summary>
    public Uri RedirectUri { get; private set; } = null!;

    public static bool IsLoopback(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));

    /// <summary>Starts listening. <paramref name="requested"/>: an http loopback URI whose port (0 or
    /// none: any free port) and path are used; null: <c>http://localhost:&lt;free port&gt;/</c>.</summary>
    public static LoopbackRedirectListener Start(Uri? requested = null)
    {
        if (requested is not null && !IsLoopback(requested))
            throw new ArgumentException($"'{requested}' is not an http loopback URI.", nameof(requested));
        var port = requested is null || requested.IsDefaultPort ? 0 : requested.Port;
        var path = requested?.AbsolutePath is { Length: > 0 } p ? p : "/";
        var listener = new LoopbackRedirectListener(path);
        var v4 = new TcpListener(IPAddress.Loopback, port);
        try { v4.Start(); }
        catch (SocketException e)
        {
            throw new OAuthException("LoopbackPortUnavailable", $"Cannot listen on http://localhost:{port}{path} for the sign-in redirect: {e.Message}",
                "Pass another loopback redirect URI (-RedirectUri http://localhost:<free port>/) or omit the port.");
        }
        listener._listeners.Add(v4);
        port = ((IPEndPoint)v4.LocalEndpoint).Port;
        if (Socket.OSSupportsIPv6)
        {
            try
            {
                var v6 = new TcpListener(IPAddress.IPv6Loopback, port);
                v6.Start();
                listener._listeners.Add(v6);
            }
            catch (SocketException) { /* IPv4 only */ }
        }
        var host = requested?.Host is { Length: > 0 } h ? h : "localhost";
        listener.RedirectUri = new UriBuilder("http", host, port, path).Uri;
        foreach (var l in listener._listeners) _ = listener.AcceptLoopAsync(l);
        return listener;
    }

    /// <summary>Waits for the redirect; throws <see cref="OperationCanceledException"/> on cancellation
    /// and <see cref="OAuthException"/> (SignInTimeout) after <paramref name="timeout"/>.</summary>
    public async Task<AuthorizationResponse> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try { return await _result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            throw new OAuthException("SignInTimeout", $"No sign-in response reached {RedirectUri} within {timeout.TotalMinutes:0.#} minutes.",
                "Finish the sign-in in the browser, or use Connect-OutlookAccount -DeviceCode on a host without a browser.");
        }
    }

    async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception) { return; }
            _ = HandleAsync(client);
        }
    }

    async Task HandleAsync(TcpClient client)
    {
        using (client)
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            cts.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                var stream = client.GetStream();
                var (method, target, body) = await ReadRequestAsync(stream, cts.Token).ConfigureAwait(false);
                var path = target.Split('?', 2)[0];
                if (!string.Equals(path.TrimEnd('/'), _path.TrimEnd('/'), StringComparison.Ordinal))
                {
                    await WriteAsync(stream, 404, "Not found.", cts.Token).ConfigureAwait(false);
                    return;
                }
                var response = method == "POST" ? AuthorizationResponse.Parse(body) : AuthorizationResponse.Parse(target.Contains('?') ? target.Split('?', 2)[1] : "");
                if (response.IsEmpty)
                {
                    await WriteAsync(stream, 400, "This address waits for a sign-in response.", cts.Token).ConfigureAwait(false);
                    return;
                }
                var text = response.Error is null
                    ? "Sign-in received. You can close this window and return to PowerShell."
                    : "The sign-in failed; PowerShell shows the error. You can close this window.";
                await WriteAsync(stream, 200, text, cts.Token).ConfigureAwait(false);
                _result.TrySetResult(response);
            }
            catch (Exception) { /* a broken or idle connection: keep listening */ }
        }
    }

    static async Task<(string Method, string Target, string Body)> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[16384];
        var total = 0;
        int headerEnd;
        while ((headerEnd = IndexOf(buffer, total, "\r\n\r\n"u8)) < 0)
        {
            if (total == buffer.Length) throw new InvalidDataException("request too large");
            var n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException();
            total += n;
        }
        var head = Encoding.ASCII.GetString(buffer, 0, headerEnd).Split("\r\n");
        var requestLine = head[0].Split(' ');
        if (requestLine.Length < 2) throw new InvalidDataException("bad request line");
        var length = 0;
        foreach (var h in head.Skip(1))
            if (h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(h[15..].Trim());
        var bodyStart = headerEnd + 4;
        if (length > buffer.Length - bodyStart) throw new InvalidDataException("body too large");
        while (total - bodyStart < length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return (requestLine[0].ToUpperInvariant(), requestLine[1], Encoding.UTF8.GetString(buffer, bodyStart, Math.Max(0, Math.Min(length, total - bodyStart))));
    }

    static int IndexOf(byte[] buffer, int count, ReadOnlySpan<byte> pattern) => buffer.AsSpan(0, count).IndexOf(pattern);

    static async Task WriteAsync(NetworkStream stream, int status, string text, CancellationToken ct)
    {
        var html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>OutlookOAuth</title></head><body><p>{WebUtility.HtmlEncode(text)}</p></body></html>";
        var body = Encoding.UTF8.GetBytes(html);
        var reason = status switch { 200 => "OK", 400 => "Bad Request", _ => "Not Found" };
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, ct).ConfigureAwait(false);
        await stream.WriteAsync(body, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var l in _listeners) l.Stop();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
