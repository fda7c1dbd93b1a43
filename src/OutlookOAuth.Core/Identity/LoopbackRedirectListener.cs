using System.Net;
using System.Net.Sockets;

namespace OutlookOAuth.Identity;

/// <summary>Receives the authorization redirect on <c>http://localhost:&lt;port&gt;/&lt;path&gt;</c>
/// (Entra ignores the port of loopback redirect URIs) with <see cref="HttpListener"/>, as MSAL does. It listens on
/// 127.0.0.1 for the hosts localhost and 127.0.0.1 (the managed HttpListener of Linux and macOS takes no [::1] prefix;
/// a browser that tries ::1 for localhost first falls back to 127.0.0.1). Answers GET (response_mode=query) and POST
/// (form_post) on the path, 404 on other paths (a browser's favicon), 400 on the path without a response; idle
/// connections are the listener's to time out.</summary>
public sealed class LoopbackRedirectListener : IAsyncDisposable
{
    readonly HttpListener _listener;
    readonly TaskCompletionSource<AuthorizationResponse> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly string _path;
    readonly Task _loop;

    LoopbackRedirectListener(HttpListener listener, string path, Uri redirectUri)
    {
        _listener = listener;
        _path = path;
        RedirectUri = redirectUri;
        _loop = ServeAsync();
    }

    /// <summary>The redirect URI to send to the authority.</summary>
    public Uri RedirectUri { get; }

    public static bool IsLoopback(Uri uri) =>
        uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));

    /// <summary>Starts listening. <paramref name="requested"/>: an http loopback URI whose port (0 or
    /// none: any free port) and path are used; null: <c>http://localhost:&lt;free port&gt;/</c>.</summary>
    public static LoopbackRedirectListener Start(Uri? requested = null)
    {
        if (requested is not null && !IsLoopback(requested))
            throw new ArgumentException($"'{requested}' is not an http loopback URI.", nameof(requested));
        var fixedPort = requested is null || requested.IsDefaultPort ? 0 : requested.Port;
        var path = requested?.AbsolutePath is { Length: > 0 } p ? p : "/";
        var host = requested?.Host is { Length: > 0 } h ? h : "localhost";
        // HttpListener takes no port 0: a free port is found first; another program may take it in between, so a
        // port the caller did not ask for is tried again a few times.
        for (var attempt = 1; ; attempt++)
        {
            var port = fixedPort != 0 ? fixedPort : FreePort();
            try
            {
                var listener = Listen(port);
                return new LoopbackRedirectListener(listener, path, new UriBuilder("http", host, port, path).Uri);
            }
            catch (HttpListenerException e) when (fixedPort == 0 && attempt < 5) { _ = e; }
            catch (HttpListenerException e)
            {
                throw new OAuthException("LoopbackPortUnavailable", $"Cannot listen on http://localhost:{port}{path} for the sign-in redirect: {e.Message}",
                    "Pass another loopback redirect URI (-RedirectUri http://localhost:<free port>/) or omit the port.");
            }
        }
    }

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
        finally { probe.Stop(); }
    }

    /// <summary>A started listener on 127.0.0.1:<paramref name="port"/> for the hosts localhost and 127.0.0.1.</summary>
    static HttpListener Listen(int port)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        listener.Prefixes.Add($"http://localhost:{port}/");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        try
        {
            listener.Start();
            return listener;
        }
        catch
        {
            listener.Close();
            throw;
        }
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

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = HandleAsync(context);
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url?.AbsolutePath ?? "";
            if (!string.Equals(path.TrimEnd('/'), _path.TrimEnd('/'), StringComparison.Ordinal))
            {
                await WriteAsync(response, 404, "Not found.").ConfigureAwait(false);
                return;
            }
            AuthorizationResponse received;
            if (string.Equals(request.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase))
            {
                using var body = new StreamReader(request.InputStream, request.ContentEncoding);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                received = AuthorizationResponse.Parse(await body.ReadToEndAsync(timeout.Token).ConfigureAwait(false));
            }
            else received = AuthorizationResponse.Parse(request.Url?.Query.TrimStart('?') ?? "");
            if (received.IsEmpty)
            {
                await WriteAsync(response, 400, "This address waits for a sign-in response.").ConfigureAwait(false);
                return;
            }
            var text = received.Error is null
                ? "Sign-in received. You can close this window and return to PowerShell."
                : "The sign-in failed; PowerShell shows the error. You can close this window.";
            await WriteAsync(response, 200, text).ConfigureAwait(false);
            _result.TrySetResult(received);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            /* a broken connection: keep listening */
        }
        finally { response.Abort(); }
    }

    static async Task WriteAsync(HttpListenerResponse response, int status, string text)
    {
        var html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>OutlookOAuth</title></head><body><p>{WebUtility.HtmlEncode(text)}</p></body></html>";
        var body = System.Text.Encoding.UTF8.GetBytes(html);
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers["Cache-Control"] = "no-store";
        response.KeepAlive = false;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
        try { await _loop.ConfigureAwait(false); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
    }
}
