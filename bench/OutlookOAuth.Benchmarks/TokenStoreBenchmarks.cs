using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// Silent token time for account 1 and account k of 1,000 connected servers (goal: flat in k, since each server
/// has its own partition). Every call is the provider's full path: partition lock, metadata read, cache read,
/// MSAL confidential app build, cache deserialization, GetAccountAsync, AcquireTokenSilent served from the
/// cache (checked in setup: no network, a token valid for an hour), metadata write-back.
/// <c>dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- --filter '*TokenStoreBenchmarks*'</c>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class TokenStoreBenchmarks
{
    const int Accounts = 1000;
    const string ClientId = "3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f";
    const string Tenant = "7a1d4c52-3e8f-4b0a-9c6d-2f5e8a1b3c4d";
    const string Host = "login.bench.invalid";

    string _root = "";
    OutlookTokenProvider _provider = null!;
    TokenStatusService _status = null!;
    OutgoingMailServer[] _servers = null!;

    [Params(1, 500, 1000)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "ooauth-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var store = new TokenStore(Path.Combine(_root, "tokens"), TokenStoreProtection.OwnerOnlyFile);
        store.SetSecret(TokenStore.ClientSecretName, "bench-secret");
        var settings = new OutlookApplicationSettings { ClientId = ClientId, Authority = $"https://{Host}/{Tenant}/" };
        _servers = new OutgoingMailServer[Accounts];
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Accounts; i++)
        {
            var user = $"user{i:0000}@example.com";
            _servers[i] = new OutgoingMailServer { Name = user, Username = user, HostName = "smtp.office365.com", Port = 587, FromFilter = user };
            var uid = Guid.NewGuid().ToString();
            store.Save(_servers[i], new TokenMetadata
            {
                Direction = "Outgoing", ServerName = user, Username = user, Flow = SignInFlow.Browser, SignedInAs = user,
                HomeAccountId = $"{uid}.{Tenant}", ClientId = ClientId, ConnectedOn = now, LastRefreshOn = now, AccessTokenExpiresOn = now.AddHours(1),
            }, Cache(uid, user, now));
        }
        _provider = new OutlookTokenProvider(settings, store, new MsalAppFactory());
        _status = new TokenStatusService(store);
        foreach (var k in new[] { 0, Accounts / 2 - 1, Accounts - 1 })
        {
            var token = _provider.GetAccessTokenAsync(_servers[k], default).GetAwaiter().GetResult();
            if (token.Value != $"at-{_servers[k].Username}") throw new InvalidOperationException("The benchmark cache is not served silently.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Description = "GetAccessTokenAsync (silent, from the store)")]
    public Task<AccessToken> SilentToken() => _provider.GetAccessTokenAsync(_servers[K - 1], default);

    [Benchmark(Description = "TokenStatus (no network)")]
    public TokenStatus Status() => _status.GetStatus(_servers[K - 1]);

    /// <summary>An MSAL V3 cache of one account: account, access token (1 h), refresh token, app metadata.
    /// MSAL recomputes the keys when it deserializes.</summary>
    static byte[] Cache(string uid, string user, DateTimeOffset now)
    {
        var home = $"{uid}.{Tenant}";
        var clientInfo = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"uid\":\"{uid}\",\"utid\":\"{Tenant}\"}}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string T(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString();
        var root = new JsonObject
        {
            ["Account"] = new JsonObject { ["a"] = new JsonObject
            {
                ["home_account_id"] = home, ["environment"] = Host, ["realm"] = Tenant, ["local_account_id"] = uid,
                ["username"] = user, ["authority_type"] = "MSSTS", ["client_info"] = clientInfo,
            } },
            ["AccessToken"] = new JsonObject { ["t"] = new JsonObject
            {
                ["home_account_id"] = home, ["environment"] = Host, ["client_info"] = clientInfo, ["client_id"] = ClientId,
                ["secret"] = $"at-{user}", ["credential_type"] = "AccessToken", ["realm"] = Tenant,
                ["target"] = OutlookScopes.SmtpSend, ["cached_at"] = T(now), ["expires_on"] = T(now.AddHours(1)),
                ["extended_expires_on"] = T(now.AddHours(1)), ["token_type"] = "Bearer",
            } },
            ["RefreshToken"] = new JsonObject { ["r"] = new JsonObject
            {
                ["home_account_id"] = home, ["environment"] = Host, ["client_info"] = clientInfo, ["client_id"] = ClientId,
                ["secret"] = $"rt-{user}", ["credential_type"] = "RefreshToken",
            } },
            ["IdToken"] = new JsonObject(),
            ["AppMetadata"] = new JsonObject { ["m"] = new JsonObject { ["environment"] = Host, ["client_id"] = ClientId } },
        };
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
