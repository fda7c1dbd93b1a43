using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// A local, Entra-shaped OAuth 2.0 authority over HTTPS on 127.0.0.1 (authorization code + PKCE, refresh,
/// client credentials with secret or certificate, device code), with fault injection for tests.
/// Usable in-process (<see cref="StartAsync"/>) or as a process (see Program.cs).
/// </summary>
public sealed partial class LabAuthority : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly TimeProvider _clock;
    readonly Action<string>? _log;
    readonly HashSet<string> _users;
    readonly IReadOnlyList<string> _delegatedScopes;
    readonly IReadOnlyList<string> _appRoles;
    readonly IReadOnlyList<string> _redirectUris;
    readonly X509Certificate2? _clientCertificate;
    readonly TimeSpan _rtIdle, _codeLifetime, _deviceLifetime;
    readonly int _deviceInterval;
    readonly List<IDisposable> _owned = [];
    readonly List<RecordedRequest> _requests = [];

    LabAuthority(LabAuthorityOptions o, WebApplication app, X509Certificate2 tls, X509Certificate2? ca, RSA key)
    {
        _app = app;
        _clock = o.Clock;
        _log = o.Log;
        _users = new HashSet<string>(o.Users, StringComparer.OrdinalIgnoreCase);
        _delegatedScopes = [.. o.DelegatedScopes];
        _appRoles = [.. o.AppRoles];
        _redirectUris = [.. o.RedirectUris];
        _clientCertificate = o.ClientCertificate;
        _rtIdle = o.RefreshTokenIdleLifetime;
        _codeLifetime = o.AuthorizationCodeLifetime;
        _deviceLifetime = o.DeviceCodeLifetime;
        _deviceInterval = Math.Max(1, o.DeviceCodeInterval);
        TlsCertificate = tls;
        CaCertificate = ca;
        ClientSecret = o.ClientSecret ?? RandomSecret(30);
        Password = o.Password ?? RandomSecret(18);
        AllowPublicClientFlows = o.AllowPublicClientFlows;
        TokenIssuer = new LabTokenIssuer(key, o.KeyId, o.Issuer, o.TenantId, o.ClientId, o.Clock) { AppRoles = _appRoles };
        AccessTokenLifetime = o.AccessTokenLifetime;
        _users.Add(LabTenant.AdminUser);
        ResetTenant();
    }

    /// <summary>Starts Kestrel on 127.0.0.1 (HTTPS only) and returns once it listens.</summary>
    public static async Task<LabAuthority> StartAsync(LabAuthorityOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var owned = new List<IDisposable>();
        X509Certificate2? ca = null;
        var tls = options.TlsCertificate;
        if (tls is null)
        {
            ca = LabCertificates.CreateCertificateAuthority();
            tls = LabCertificates.CreateServerCertificate(ca);
            owned.Add(ca);
            owned.Add(tls);
        }
        var key = options.SigningKey;
        if (key is null)
        {
            key = RSA.Create(2048);
            owned.Add(key);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(LabAuthority).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>(); // no Ctrl+C/SIGTERM hooks inside a test host
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, options.Port, l => l.UseHttps(tls));
        });
        var app = builder.Build();
        var authority = new LabAuthority(options, app, tls, ca, key);
        authority._owned.AddRange(owned);
        authority.Map(app);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await authority.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        authority.Port = new Uri(address).Port;
        return authority;
    }

    public int Port { get; private set; }

    /// <summary><c>https://127.0.0.1:&lt;port&gt;</c> (no trailing slash).</summary>
    public string BaseUri => $"https://127.0.0.1:{Port}";

    /// <summary><c>https://127.0.0.1:&lt;port&gt;/&lt;tenant&gt;/</c>, the form MSAL's <c>WithAuthority</c> takes.</summary>
    public string Authority => $"{BaseUri}/{TenantId}/";

    public string TokenEndpoint => $"{Authority}oauth2/v2.0/token";
    public string AuthorizeEndpoint => $"{Authority}oauth2/v2.0/authorize";
    public string DeviceLoginUri => $"{BaseUri}/devicelogin";

    /// <summary><c>iss</c> of id_tokens and of the OpenID configuration (Entra v2 style).</summary>
    public string IdTokenIssuer => $"{BaseUri}/{TenantId}/v2.0";

    public string ClientId => TokenIssuer.ClientId;
    public string ClientSecret { get; }
    public string Password { get; }
    public string TenantId => TokenIssuer.TenantId;
    public string Issuer => TokenIssuer.Issuer;
    public string KeyId => TokenIssuer.KeyId;
    public RSA SigningKey => TokenIssuer.SigningKey;
    public LabTokenIssuer TokenIssuer { get; }
    public IReadOnlyCollection<string> Users => _users;
    public X509Certificate2 TlsCertificate { get; }

    /// <summary>The generated CA (null when a TLS certificate was supplied).</summary>
    public X509Certificate2? CaCertificate { get; }
    public string? CaCertificatePem => CaCertificate is null ? null : LabCertificates.ToPem(CaCertificate);

    /// <summary>Lifetime (and <c>expires_in</c>) of access tokens issued from now on. MSAL refreshes below 300 s.</summary>
    public TimeSpan AccessTokenLifetime
    {
        get => TokenIssuer.DefaultLifetime;
        set => TokenIssuer.DefaultLifetime = value;
    }

    /// <summary>Entra's "Allow public client flows" switch, changeable at run time.</summary>
    public bool AllowPublicClientFlows { get; set; }

    /// <summary>Every request received, oldest first (form fields included: this log stays in memory).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    public void ClearRequests()
    {
        lock (_requests) _requests.Clear();
    }

    /// <summary>Object id (<c>oid</c>, client_info <c>uid</c>) of a user.</summary>
    public string ObjectId(string user) => TokenIssuer.ObjectId(user);

    /// <summary>A handler trusting only the generated CA, for HttpClient / MSAL's IMsalHttpClientFactory.</summary>
    public SocketsHttpHandler CreateHttpHandler() =>
        LabCertificates.CreateTrustingHandler(CaCertificate ?? throw new InvalidOperationException(
            "The authority was started with a supplied TLS certificate; trust its CA with LabCertificates.CreateTrustingHandler."));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var d in _owned) d.Dispose();
        _owned.Clear();
    }

    DateTimeOffset Now => _clock.GetUtcNow();

    static string RandomSecret(int bytes) => LabTokenIssuer.B64(RandomNumberGenerator.GetBytes(bytes));

    static bool SecretEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(a)), SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(b)));

    bool IsClient(string? clientId) => string.Equals(clientId, ClientId, StringComparison.OrdinalIgnoreCase);

    string? CanonicalUser(string? name) => name is not null && _users.TryGetValue(name.Trim(), out var u) ? u : null;

    /// <summary>Request log + one stdout-safe line per request (no query strings, secrets, tokens or codes).</summary>
    async Task Record(HttpContext ctx, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var form = ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ctx.RequestAborted) : null;
        var rec = new RecordedRequest
        {
            Timestamp = Now,
            Method = ctx.Request.Method,
            Path = ctx.Request.Path.Value ?? "/",
            Query = ctx.Request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()),
            Form = form?.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()) ?? [],
            Headers = ctx.Request.Headers.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        };
        lock (_requests) _requests.Add(rec);
        try
        {
            await next(ctx);
        }
        catch (Exception ex) when (!ctx.Response.HasStarted)
        {
            ctx.Response.Clear();
            await Error(ctx, new Problem(500, "server_error", 90033, $"The lab authority failed: {ex.GetType().Name}."));
        }
        finally
        {
            rec.StatusCode = ctx.Response.StatusCode;
            rec.Error = ctx.Items.TryGetValue(ErrorItem, out var e) ? e as string : null;
            if (_log is not null)
            {
                var line = $"{rec.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {rec.Method} {rec.Path}";
                if (rec.Form.TryGetValue("grant_type", out var g)) line += $" grant_type={g}";
                if (rec.Form.TryGetValue("client_id", out var c) || rec.Query.TryGetValue("client_id", out c)) line += $" client_id={c}";
                line += $" -> {rec.StatusCode}";
                if (rec.Error is not null) line += $" {rec.Error}";
                try { _log($"{line} ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms)"); }
                catch (InvalidOperationException) { } // e.g. a test output helper used after its test ended
            }
        }
    }

    /// <summary>Keeps the generic host away from process signals; Program.cs handles them itself.</summary>
    sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>One request received by the authority.</summary>
public sealed class RecordedRequest
{
    public DateTimeOffset Timestamp { get; init; }
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public IReadOnlyDictionary<string, string> Query { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Form { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public int StatusCode { get; internal set; }

    /// <summary>OAuth error sent back, as <c>"&lt;error&gt; AADSTS&lt;n&gt;"</c>, or null.</summary>
    public string? Error { get; internal set; }

    public string? GrantType => Form.TryGetValue("grant_type", out var g) ? g : null;
    public override string ToString() => $"{Method} {Path} {GrantType} -> {StatusCode} {Error}".TrimEnd();
}
