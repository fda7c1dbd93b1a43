using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>Token and device-code endpoints, grant state, Entra error responses.</summary>
public sealed partial class LabAuthority
{
    const string UrnDeviceCode = "urn:ietf:params:oauth:grant-type:device_code";
    const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    const string ErrorItem = "lab.error";
    static readonly string[] Grants = ["authorization_code", "refresh_token", "client_credentials", "device_code"];
    static readonly HashSet<string> OidcScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "offline_access", "email" };

    readonly Lock _gate = new();
    readonly Dictionary<string, AuthCode> _codes = new(StringComparer.Ordinal);
    readonly Dictionary<string, RefreshGrant> _refreshTokens = new(StringComparer.Ordinal);
    readonly Dictionary<string, DeviceGrant> _deviceCodes = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _revocationEpoch = new(StringComparer.OrdinalIgnoreCase);
    readonly List<Fault> _faults = [];
    readonly HashSet<string> _rejectedScopes = new(StringComparer.OrdinalIgnoreCase);

    enum ClientKind { Public, Confidential }
    enum DeviceStatus { Pending, Approved, Declined, Redeemed }

    sealed record Problem(int Status, string Error, int Code, string Text, int? RetryAfter = null, string? Suberror = null);
    sealed record Fault(string GrantType, Problem Problem);
    sealed record Scopes(string Resource, IReadOnlyList<string> Names, bool OpenId, bool Offline)
    {
        public bool IsDefault { get; init; }
        public IEnumerable<string> Full => Names.Select(n => $"{Resource}/{n}");
    }
    sealed record AuthCode(string User, string ClientId, string RedirectUri, string Scope, string? Challenge, string? Nonce,
        DateTimeOffset IssuedAt)
    {
        public bool Redeemed { get; set; }
    }
    sealed class RefreshGrant(string user, string clientId, ClientKind kind, int epoch, DateTimeOffset issuedAt)
    {
        public string User { get; } = user;
        public string ClientId { get; } = clientId;
        public ClientKind Kind { get; } = kind;
        public int Epoch { get; } = epoch;
        public DateTimeOffset IssuedAt { get; } = issuedAt;
        public DateTimeOffset LastUsed { get; set; } = issuedAt;
    }
    sealed class DeviceGrant(string clientId, string scope, string userCode, DateTimeOffset expiresAt)
    {
        public string ClientId { get; } = clientId;
        public string Scope { get; } = scope;
        public string UserCode { get; } = userCode;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public DateTimeOffset? LastPoll { get; set; }
        public DeviceStatus Status { get; set; }
        public string? User { get; set; }
    }

    void Map(WebApplication app)
    {
        app.Use(Record);
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", AuthorizeGet);
        app.MapPost("/{tenant}/oauth2/v2.0/authorize", AuthorizePost);
        app.MapPost("/{tenant}/oauth2/v2.0/token", Token);
        app.MapPost("/{tenant}/oauth2/v2.0/devicecode", DeviceCode);
        app.MapGet("/devicelogin", DeviceLoginGet);
        app.MapPost("/devicelogin", DeviceLoginPost);
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", OpenIdConfiguration);
        app.MapGet("/{tenant}/discovery/v2.0/keys", Keys);
        app.MapGet("/{tenant}/discovery/keys", Keys);
        MapLab(app);
        MapGraph(app);
        MapGraphLab(app);
    }

    // ---------------------------------------------------------------- token endpoint

    async Task Token(HttpContext ctx)
    {
        var f = await ctx.FormOrEmpty();
        var grant = f.Value("grant_type");
        if (string.IsNullOrEmpty(grant)) { await Error(ctx, Missing("grant_type")); return; }
        if (grant == UrnDeviceCode) grant = "device_code";
        if (!Grants.Contains(grant))
        {
            await Error(ctx, new Problem(400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{grant}'."));
            return;
        }
        if (TakeFault(grant) is { } fault) { await Error(ctx, fault); return; }
        var clientId = f.Value("client_id");
        if (string.IsNullOrEmpty(clientId)) { await Error(ctx, Missing("client_id")); return; }
        if (Client(clientId) is not { } client) { await Error(ctx, UnknownClient(clientId)); return; }
        if (DisabledProblem(client) is { } disabled) { await Error(ctx, disabled); return; }
        var (kind, authProblem) = AuthenticateClient(ctx, f, grant, client);
        if (authProblem is not null) { await Error(ctx, authProblem); return; }
        var problem = grant switch
        {
            "authorization_code" => await RedeemCode(ctx, f, client, kind),
            "refresh_token" => await Refresh(ctx, f, client, kind),
            "client_credentials" => await ClientCredentials(ctx, f, client),
            _ => await PollDeviceCode(ctx, f, client, kind),
        };
        if (problem is not null) await Error(ctx, problem);
    }

    async Task<Problem?> RedeemCode(HttpContext ctx, IFormCollection f, TenantApplication client, ClientKind kind)
    {
        var code = f.Value("code");
        if (string.IsNullOrEmpty(code)) return Missing("code");
        AuthCode c;
        lock (_gate)
        {
            if (!_codes.TryGetValue(code, out c!) || !SameClient(c.ClientId, client))
                return InvalidGrant(70000, "The provided value for the 'code' parameter is not valid.");
            if (Now - c.IssuedAt > _codeLifetime)
                return InvalidGrant(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
            if (c.Redeemed)
                return InvalidGrant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
            var redirect = f.Value("redirect_uri");
            if (!string.Equals(redirect, c.RedirectUri, StringComparison.Ordinal))
                return InvalidGrant(500112, $"The reply address '{redirect}' does not match the reply address '{c.RedirectUri}' provided when requesting Authorization code.");
            if (c.Challenge is not null)
            {
                var verifier = f.Value("code_verifier");
                if (verifier is null || !SecretEquals(LabTokenIssuer.B64(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), c.Challenge))
                    return InvalidGrant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
            c.Redeemed = true;
        }
        var (scopes, problem) = ScopesFor(client, f.Value("scope") ?? c.Scope);
        if ((problem ??= UserProblem(client, c.User, scopes!)) is not null) return problem;
        await IssueUserTokens(ctx, f, client, c.User, kind, scopes!, c.Nonce);
        return null;
    }

    async Task<Problem?> Refresh(HttpContext ctx, IFormCollection f, TenantApplication client, ClientKind kind)
    {
        var rt = f.Value("refresh_token");
        if (string.IsNullOrEmpty(rt)) return Missing("refresh_token");
        RefreshGrant g;
        lock (_gate)
        {
            if (!_refreshTokens.TryGetValue(rt, out g!))
                return InvalidGrant(9002313, "Invalid request. Request is malformed or invalid.");
            if (!SameClient(g.ClientId, client))
                return InvalidGrant(70000, "The provided value for the 'refresh_token' parameter is not valid: it was issued to another client.");
            if (g.Epoch != _revocationEpoch.GetValueOrDefault(g.User))
                return InvalidGrant(50173, $"The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{Stamp(g.IssuedAt)}'.");
            if (Now - g.LastUsed > _rtIdle)
                return InvalidGrant(700082, $"The refresh token has expired due to inactivity. The token was issued on {Stamp(g.IssuedAt)} and was inactive for {_rtIdle:c}.");
            if (g.Kind == ClientKind.Confidential && kind == ClientKind.Public)
                return new Problem(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            g.LastUsed = Now; // old refresh tokens stay valid (Entra does not revoke on redemption)
        }
        var (scopes, problem) = ScopesFor(client, f.Value("scope"));
        if ((problem ??= UserProblem(client, g.User, scopes!)) is not null) return problem;
        await IssueUserTokens(ctx, f, client, g.User, kind, scopes!, null);
        return null;
    }

    async Task<Problem?> ClientCredentials(HttpContext ctx, IFormCollection f, TenantApplication client)
    {
        var scope = f.Value("scope");
        if (string.IsNullOrWhiteSpace(scope)) return Missing("scope");
        var items = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (items.Length != 1 || !items[0].EndsWith("/.default", StringComparison.Ordinal))
            return new Problem(400, "invalid_scope", 1002012, $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
        var resource = items[0][..^"/.default".Length];
        string[] roles;
        string spId;
        lock (Tenant.Gate)
        {
            if (Tenant.Resource(resource) is not { } resourceSp || (client.IsLabDefault && resourceSp != Tenant.Exchange))
                return UnknownResource(items[0]);
            if (Tenant.ServicePrincipal(client.AppId) is not { } sp)
                return new Problem(400, "invalid_client", 7000229, $"The client application {client.AppId} is missing service principal in the tenant {TenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119");
            spId = sp.Id;
            roles = Tenant.GrantedAppRoles(client, resourceSp).Where(r => !client.IsLabDefault || !IsRejected(r)).ToArray();
        }
        var graph = Tenant.Resource(resource) == Tenant.Graph;
        var lifetime = AccessTokenLifetime;
        await WriteJson(ctx, 200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["ext_expires_in"] = (long)lifetime.TotalSeconds,
            ["access_token"] = TokenIssuer.MintApp(roles, graph ? WellKnown.GraphResource : resource, lifetime, p =>
            {
                p["sub"] = spId;
                p["oid"] = spId;
                p["appid"] = client.AppId;
                if (client.IsLabDefault) p["azp"] = client.AppId; else p.Remove("azp");
            }),
        });
        return null;
    }

    async Task<Problem?> PollDeviceCode(HttpContext ctx, IFormCollection f, TenantApplication client, ClientKind kind)
    {
        var dc = f.Value("device_code");
        if (string.IsNullOrEmpty(dc)) return Missing("device_code");
        DeviceGrant d;
        lock (_gate)
        {
            if (!_deviceCodes.TryGetValue(dc, out d!) || !SameClient(d.ClientId, client))
                return InvalidGrant(70000, "The provided value for the 'device_code' parameter is not valid.");
            if (Now > d.ExpiresAt)
                return new Problem(400, "expired_token", 70019, "Verification code expired.");
            var last = d.LastPoll;
            d.LastPoll = Now;
            switch (d.Status)
            {
                case DeviceStatus.Declined:
                    return new Problem(400, "authorization_declined", 65004, "User declined to consent to access the app.");
                case DeviceStatus.Redeemed:
                    return InvalidGrant(54005, "The device code was already redeemed.");
                case DeviceStatus.Pending:
                    if (last is { } l && (Now - l).TotalSeconds < _deviceInterval * 0.8)
                        return new Problem(400, "slow_down", 70016, $"Polling faster than the interval of {_deviceInterval} s; slow down.");
                    return new Problem(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
            }
            d.Status = DeviceStatus.Redeemed;
        }
        var (scopes, problem) = ScopesFor(client, f.Value("scope") ?? d.Scope);
        if ((problem ??= UserProblem(client, d.User!, scopes!)) is not null) return problem;
        await IssueUserTokens(ctx, f, client, d.User!, kind, scopes!, null);
        return null;
    }

    async Task DeviceCode(HttpContext ctx)
    {
        var f = await ctx.FormOrEmpty();
        var clientId = f.Value("client_id");
        if (string.IsNullOrEmpty(clientId)) { await Error(ctx, Missing("client_id")); return; }
        if (Client(clientId) is not { } client) { await Error(ctx, UnknownClient(clientId)); return; }
        var scope = f.Value("scope") ?? "";
        var (_, problem) = ScopesFor(client, scope);
        if (problem is not null) { await Error(ctx, problem); return; }
        string userCode, deviceCode = RandomSecret(48);
        lock (_gate)
        {
            do userCode = RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 9);
            while (_deviceCodes.Values.Any(x => x.UserCode == userCode));
            _deviceCodes[deviceCode] = new DeviceGrant(client.AppId, scope, userCode, Now + _deviceLifetime);
        }
        await WriteJson(ctx, 200, new JsonObject
        {
            ["user_code"] = userCode,
            ["device_code"] = deviceCode,
            ["verification_uri"] = DeviceLoginUri,
            ["expires_in"] = (long)_deviceLifetime.TotalSeconds,
            ["interval"] = _deviceInterval,
            ["message"] = $"To sign in, use a web browser to open the page {DeviceLoginUri} and enter the code {userCode} to authenticate.",
        });
    }

    async Task IssueUserTokens(HttpContext ctx, IFormCollection f, TenantApplication client, string user, ClientKind kind, Scopes scopes, string? nonce)
    {
        var graph = Tenant.Resource(scopes.Resource) == Tenant.Graph;
        string[] wids;
        lock (Tenant.Gate) wids = [.. Tenant.User(ObjectId(user))?.DirectoryRoles ?? []];
        var lifetime = AccessTokenLifetime;
        var body = new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', scopes.Full),
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["ext_expires_in"] = (long)lifetime.TotalSeconds,
            ["access_token"] = TokenIssuer.Mint(user, scopes.Full, lifetime, p =>
            {
                p["appid"] = client.AppId;
                if (client.IsLabDefault) p["azp"] = client.AppId; else p.Remove("azp"); // v1.0 tokens name the client in appid only
                if (!graph) return;
                p["aud"] = WellKnown.GraphAppId;
                p["wids"] = new JsonArray(wids.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray());
            }),
        };
        if (scopes.Offline)
        {
            var rt = RandomSecret(64);
            lock (_gate) _refreshTokens[rt] = new RefreshGrant(user, client.AppId, kind, _revocationEpoch.GetValueOrDefault(user), Now);
            body["refresh_token"] = rt;
        }
        if (scopes.OpenId) body["id_token"] = TokenIssuer.MintIdToken(user, client.AppId, IdTokenIssuer, nonce);
        if (f.Value("client_info") == "1") body["client_info"] = TokenIssuer.ClientInfo(user);
        await WriteJson(ctx, 200, body);
    }

    // ---------------------------------------------------------------- client authentication

    (ClientKind Kind, Problem? Problem) AuthenticateClient(HttpContext ctx, IFormCollection f, string grant, TenantApplication client)
    {
        var foreign = Tenant.Application(client.AppId) is null; // a first-party public client: no credentials of its own
        if (foreign && (f.Value("client_secret") ?? f.Value("client_assertion")) is not null)
            return (default, new Problem(401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."));
        if (f.Value("client_secret") is { } secret)
        {
            LabTenant.SecretCheck check;
            lock (Tenant.Gate) check = Tenant.CheckSecret(client, secret);
            return check switch
            {
                LabTenant.SecretCheck.Valid => (ClientKind.Confidential, null),
                LabTenant.SecretCheck.Expired => (default, new Problem(401, "invalid_client", 7000222, $"The provided client secret keys for app '{client.AppId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")),
                _ => (default, new Problem(401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client.AppId}'.")),
            };
        }
        if (f.Value("client_assertion") is { } assertion)
        {
            if (f.Value("client_assertion_type") != JwtBearer)
                return (default, new Problem(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_assertion_type' with the value 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'."));
            var audience = $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.PathBase}{ctx.Request.Path}";
            return CheckAssertion(assertion, audience, client) is { } p ? (default, p) : (ClientKind.Confidential, null);
        }
        if (grant == "client_credentials")
            return (default, new Problem(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."));
        var publicAllowed = client.IsLabDefault ? AllowPublicClientFlows
            : client.IsFallbackPublicClient || (grant is "authorization_code" or "refresh_token" && client.Properties["publicClient"]?["redirectUris"] is JsonArray { Count: > 0 });
        if (!publicAllowed)
            return (default, new Problem(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
        return (ClientKind.Public, null);
    }

    /// <summary>Verifies a certificate client assertion as MSAL sends it (PS256, x5t#S256, aud = token URL, iss = sub = client id).</summary>
    Problem? CheckAssertion(string jwt, string audience, TenantApplication client)
    {
        static Problem Bad(int code, string text) => new(401, "invalid_client", code, text);
        var parts = jwt.Split('.');
        JsonObject header, payload;
        try
        {
            if (parts.Length != 3) throw new FormatException();
            (header, payload) = LabTokenIssuer.Decode(jwt);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return Bad(50027, "JWT token is invalid or malformed.");
        }
        var cert = client.IsLabDefault ? _clientCertificate : null;
        var x5tS256 = header["x5t#S256"]?.ToString();
        var x5t = header["x5t"]?.ToString();
        if (cert is null
            || !((x5tS256 is not null && x5tS256 == LabTokenIssuer.B64(SHA256.HashData(cert.RawData)))
                 || (x5t is not null && x5t == LabTokenIssuer.B64(SHA1.HashData(cert.RawData)))))
            return Bad(700027, $"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{x5tS256 ?? x5t}'].");
        var padding = header["alg"]?.ToString() switch
        {
            "PS256" => RSASignaturePadding.Pss,
            "RS256" => RSASignaturePadding.Pkcs1,
            _ => null,
        };
        using var key = cert.GetRSAPublicKey();
        byte[] signature;
        try { signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]); }
        catch (FormatException) { signature = []; }
        if (padding is null || key is null
            || !key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, padding))
            return Bad(700027, "Client assertion failed signature validation.");
        if (payload["aud"]?.ToString() is not { } aud || !string.Equals(aud.TrimEnd('/'), audience, StringComparison.OrdinalIgnoreCase))
            return Bad(700027, $"Client assertion contains an invalid audience: '{payload["aud"]}'. Expected '{audience}'.");
        if (!SameClient(payload["iss"]?.ToString(), client) || !SameClient(payload["sub"]?.ToString(), client))
            return Bad(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
        var skew = TimeSpan.FromMinutes(5);
        var exp = UnixTime(payload["exp"]);
        var nbf = UnixTime(payload["nbf"]);
        if (exp is null || exp + skew < Now || (nbf is not null && nbf - skew > Now))
            return Bad(700024, "Client assertion is not within its valid time range.");
        return null;
    }

    static DateTimeOffset? UnixTime(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var n)) return DateTimeOffset.FromUnixTimeSeconds(n);
        if (v.TryGetValue<double>(out var d)) return DateTimeOffset.FromUnixTimeSeconds((long)d);
        if (v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            return DateTimeOffset.FromUnixTimeSeconds(n);
        return null;
    }

    // ---------------------------------------------------------------- scopes

    /// <summary>Outlook delegated scopes (full URLs) + OIDC scopes; anything else is <c>invalid_scope</c>.</summary>
    (Scopes? Scopes, Problem? Problem) DelegatedScopes(string? scope)
    {
        if (string.IsNullOrWhiteSpace(scope)) return (null, Missing("scope"));
        string? resource = null;
        var names = new List<string>();
        bool openId = false, offline = false;
        foreach (var item in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (OidcScopes.Contains(item))
            {
                openId |= item.Equals("openid", StringComparison.OrdinalIgnoreCase);
                offline |= item.Equals("offline_access", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            var slash = item.LastIndexOf('/');
            var res = slash > 0 && item.Contains("://", StringComparison.Ordinal) ? item[..slash] : null;
            if (res is null || !LabTokenIssuer.OutlookResources.Contains(res, StringComparer.OrdinalIgnoreCase))
                return (null, UnknownResource(item));
            resource ??= res;
            var name = item[(slash + 1)..];
            IEnumerable<string> granted = name == ".default"
                ? _delegatedScopes.Where(s => !IsRejected(s))
                : _delegatedScopes.Where(s => s.Equals(name, StringComparison.OrdinalIgnoreCase) && !IsRejected(s)).Take(1);
            var before = names.Count;
            names.AddRange(granted.Where(g => !names.Contains(g)));
            if (names.Count == before && !names.Contains(name, StringComparer.OrdinalIgnoreCase))
                return (null, new Problem(400, "invalid_scope", 70011, $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope '{item}' does not exist or is not granted to the application '{ClientId}'."));
        }
        if (resource is null)
            return (null, new Problem(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The lab authority needs at least one Outlook resource scope (for example '{LabTokenIssuer.DelegatedAudience}/SMTP.Send')."));
        return (new Scopes(resource, names, openId, offline), null);
    }

    bool IsRejected(string scope)
    {
        lock (_gate) return _rejectedScopes.Contains(scope);
    }

    Problem UnknownResource(string scope) => new(400, "invalid_scope", 70011,
        $"The provided value for the input parameter 'scope' is not valid. The scope '{scope}' does not name a known resource (known: {string.Join(", ", LabTokenIssuer.OutlookResources)}).");

    // ---------------------------------------------------------------- errors and JSON

    Problem UnknownClient(string clientId) => new(400, "unauthorized_client", 700016,
        $"Application with identifier '{clientId}' was not found in the directory '{TenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");

    static Problem Missing(string parameter) =>
        new(400, "invalid_request", 900144, $"The request body must contain the following parameter: '{parameter}'.");

    static Problem InvalidGrant(int code, string text) => new(400, "invalid_grant", code, text);

    static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Entra's error body: error, error_description (AADSTS text + trace/correlation/timestamp), error_codes, ...</summary>
    JsonObject ErrorBody(HttpContext ctx, Problem p)
    {
        var trace = Guid.NewGuid().ToString();
        var correlation = CorrelationId(ctx);
        var ts = Stamp(Now);
        var text = p.Text.StartsWith("AADSTS", StringComparison.Ordinal) ? p.Text : $"AADSTS{p.Code}: {p.Text}";
        ctx.Items[ErrorItem] = $"{p.Error} AADSTS{p.Code}";
        var body = new JsonObject
        {
            ["error"] = p.Error,
            ["error_description"] = $"{text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}",
            ["error_codes"] = new JsonArray(p.Code),
            ["timestamp"] = ts,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"{BaseUri}/error?code={p.Code}",
        };
        if (p.Suberror is not null) body["suberror"] = p.Suberror;
        return body;
    }

    Task Error(HttpContext ctx, Problem p)
    {
        if (p.RetryAfter is { } s) ctx.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        return WriteJson(ctx, p.Status, ErrorBody(ctx, p));
    }

    static string CorrelationId(HttpContext ctx) =>
        Guid.TryParse(ctx.Request.Headers["client-request-id"].ToString(), out var g) ? g.ToString() : Guid.NewGuid().ToString();

    static async Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store, no-cache";
        ctx.Response.Headers.Pragma = "no-cache";
        if (ctx.Request.Headers["return-client-request-id"] == "true" && ctx.Request.Headers.TryGetValue("client-request-id", out var id))
            ctx.Response.Headers["client-request-id"] = id;
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }
}

static class FormExtensions
{
    public static async Task<IFormCollection> FormOrEmpty(this HttpContext ctx) =>
        ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ctx.RequestAborted) : FormCollection.Empty;

    public static string? Value(this IFormCollection f, string key) => f.TryGetValue(key, out var v) && v.Count > 0 ? v[0] : null;

    public static string? Value(this IQueryCollection q, string key) => q.TryGetValue(key, out var v) && v.Count > 0 ? v[0] : null;
}
