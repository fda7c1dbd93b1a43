using System.Collections.Concurrent;
using Microsoft.Identity.Client;
using OutlookOAuth.Security;

namespace OutlookOAuth.Identity;

/// <summary>The HTTP client MSAL uses for every call to the authority: certificate validation through
/// <see cref="CertificateTrust"/> (system roots + <c>OUTLOOKOAUTH_CA_FILE</c>, never disabled) and a
/// bounded timeout. One long-lived client per (trust, timeout), as MSAL requires.</summary>
public sealed class TrustedHttpClientFactory : IMsalHttpClientFactory
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    static readonly ConcurrentDictionary<string, TrustedHttpClientFactory> Shared = new();

    readonly HttpClient _client;

    public TrustedHttpClientFactory(CertificateTrust trust, TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = trust.Callback },
        };
        _client = new HttpClient(handler) { Timeout = Timeout };
    }

    public TimeSpan Timeout { get; }

    public HttpClient GetHttpClient() => _client;

    /// <summary>The shared factory for the current <c>OUTLOOKOAUTH_CA_FILE</c> and a timeout.</summary>
    public static TrustedHttpClientFactory FromEnvironment(TimeSpan? timeout = null)
    {
        var caFile = Environment.GetEnvironmentVariable(CertificateTrust.CaFileVariable) ?? "";
        var t = timeout ?? DefaultTimeout;
        return Shared.GetOrAdd($"{caFile}|{t.Ticks}", _ => new TrustedHttpClientFactory(CertificateTrust.FromEnvironment(), t));
    }
}
