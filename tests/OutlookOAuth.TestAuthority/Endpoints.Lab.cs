using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OutlookOAuth.TestAuthority;

/// <summary>Fault injection and test controls (in-process and over <c>/_lab/*</c>), discovery and keys.</summary>
public sealed partial class LabAuthority
{
    /// <summary>
    /// Queues a one-shot error for the next token request of <paramref name="grantType"/>
    /// (<c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>, <c>device_code</c> or <c>*</c>).
    /// It is answered before any other check. <paramref name="description"/> gets the <c>AADSTSnnnn: </c> prefix if it lacks one.
    /// </summary>
    public void FailNext(string grantType, string error, int aadsts, string description, int status = 400, int? retryAfterSeconds = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        var grant = grantType == UrnDeviceCode ? "device_code" : grantType;
        if (grant != "*" && !Grants.Contains(grant))
            throw new ArgumentException($"Unknown grant type '{grantType}'. Use one of {string.Join(", ", Grants)} or '*'.", nameof(grantType));
        if (status is < 400 or > 599) throw new ArgumentOutOfRangeException(nameof(status), "An error status is 4xx or 5xx.");
        lock (_gate) _faults.Add(new Fault(grant, new Problem(status, error, aadsts, description ?? "", retryAfterSeconds)));
    }

    /// <summary>Invalidates every refresh token the user holds now (AADSTS50173 on use); later sign-ins get working ones. Returns how many.</summary>
    public int RevokeRefreshTokens(string user)
    {
        lock (_gate)
        {
            var count = _refreshTokens.Values.Count(g => g.User.Equals(user, StringComparison.OrdinalIgnoreCase)
                                                        && g.Epoch == _revocationEpoch.GetValueOrDefault(g.User));
            _revocationEpoch[user] = _revocationEpoch.GetValueOrDefault(user) + 1;
            return count;
        }
    }

    /// <summary>Makes the user's current refresh tokens idle past <see cref="LabAuthorityOptions.RefreshTokenIdleLifetime"/> (AADSTS700082). Returns how many.</summary>
    public int ExpireRefreshTokens(string user)
    {
        lock (_gate)
        {
            var grants = _refreshTokens.Values.Where(g => g.User.Equals(user, StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var g in grants) g.LastUsed = Now - _rtIdle - TimeSpan.FromSeconds(1);
            return grants.Count;
        }
    }

    /// <summary>
    /// Withdraws a delegated scope (short name, e.g. <c>SMTP.Send</c>) or app role from the app: requests for it get
    /// <c>invalid_scope</c> AADSTS70011, app-only tokens lose the role. <paramref name="reject"/> false restores it.
    /// </summary>
    public void RejectScope(string scope, bool reject = true)
    {
        var name = scope.Contains("://", StringComparison.Ordinal) ? scope[(scope.LastIndexOf('/') + 1)..] : scope;
        lock (_gate)
        {
            if (reject) _rejectedScopes.Add(name);
            else _rejectedScopes.Remove(name);
        }
    }

    /// <summary>Drops queued faults and rejected scopes.</summary>
    public void ResetFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
            _rejectedScopes.Clear();
        }
    }

    void MapLab(WebApplication app)
    {
        app.MapPost("/_lab/fail-next", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            try
            {
                FailNext(f.Value("grant_type") ?? "*", f.Value("error") ?? "", Int(f.Value("aadsts")) ?? throw new ArgumentException("aadsts (a number) is required."),
                    f.Value("description") ?? "", Int(f.Value("status")) ?? 400, Int(f.Value("retry_after")));
            }
            catch (ArgumentException ex) { await LabBadRequest(ctx, ex.Message); return; }
            await WriteJson(ctx, 200, new JsonObject { ["queued"] = true });
        });
        app.MapPost("/_lab/revoke", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            var user = CanonicalUser(f.Value("user"));
            if (user is null) { await LabBadRequest(ctx, "user must be one of the lab users."); return; }
            var expire = f.Value("mode") is "expire" or "idle";
            var count = expire ? ExpireRefreshTokens(user) : RevokeRefreshTokens(user);
            await WriteJson(ctx, 200, new JsonObject { ["user"] = user, [expire ? "expired" : "revoked"] = count });
        });
        app.MapPost("/_lab/reject-scope", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            if (string.IsNullOrEmpty(f.Value("scope"))) { await LabBadRequest(ctx, "scope is required."); return; }
            RejectScope(f.Value("scope")!, f.Value("reject") != "false");
            await WriteJson(ctx, 200, new JsonObject { ["scope"] = f.Value("scope"), ["rejected"] = f.Value("reject") != "false" });
        });
        app.MapPost("/_lab/settings", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            if (Int(f.Value("access_token_lifetime")) is { } seconds) AccessTokenLifetime = TimeSpan.FromSeconds(seconds);
            if (f.Value("allow_public_client_flows") is { } pub) AllowPublicClientFlows = pub == "true";
            await WriteJson(ctx, 200, new JsonObject
            {
                ["access_token_lifetime"] = (long)AccessTokenLifetime.TotalSeconds,
                ["allow_public_client_flows"] = AllowPublicClientFlows,
            });
        });
        app.MapPost("/_lab/reset", async ctx =>
        {
            ResetFaults();
            await WriteJson(ctx, 200, new JsonObject { ["reset"] = true });
        });
        // Secret-free view of the request log, for scenario assertions from another process.
        app.MapGet("/_lab/requests", ctx => WriteJson(ctx, 200, new JsonArray(Requests.Select(r => (JsonNode)new JsonObject
        {
            ["timestamp"] = r.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            ["method"] = r.Method,
            ["path"] = r.Path,
            ["grant_type"] = r.GrantType,
            ["status"] = r.StatusCode,
            ["error"] = r.Error,
        }).ToArray())));
    }

    static int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    static Task LabBadRequest(HttpContext ctx, string message) =>
        WriteJson(ctx, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = message });

    Problem? TakeFault(string grant)
    {
        lock (_gate)
        {
            var i = _faults.FindIndex(f => f.GrantType == "*" || f.GrantType == grant);
            if (i < 0) return null;
            var p = _faults[i].Problem;
            _faults.RemoveAt(i);
            return p;
        }
    }

    // ---------------------------------------------------------------- discovery

    Task OpenIdConfiguration(HttpContext ctx)
    {
        var tenant = ctx.Request.RouteValues["tenant"]?.ToString() ?? TenantId;
        var tid = tenant is "common" or "organizations" or "consumers" ? "{tenantid}" : TenantId;
        var b = $"{BaseUri}/{tenant}";
        static JsonArray A(params string[] v) => new(v.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
        return WriteJson(ctx, 200, new JsonObject
        {
            ["issuer"] = $"{BaseUri}/{tid}/v2.0",
            ["authorization_endpoint"] = $"{b}/oauth2/v2.0/authorize",
            ["token_endpoint"] = $"{b}/oauth2/v2.0/token",
            ["device_authorization_endpoint"] = $"{b}/oauth2/v2.0/devicecode",
            ["jwks_uri"] = $"{b}/discovery/v2.0/keys",
            ["response_types_supported"] = A("code"),
            ["response_modes_supported"] = A("query", "fragment", "form_post"),
            ["grant_types_supported"] = A("authorization_code", "refresh_token", "client_credentials", "device_code"),
            ["scopes_supported"] = A("openid", "profile", "email", "offline_access"),
            ["subject_types_supported"] = A("pairwise"),
            ["id_token_signing_alg_values_supported"] = A("RS256"),
            ["token_endpoint_auth_methods_supported"] = A("client_secret_post", "private_key_jwt"),
            ["code_challenge_methods_supported"] = A("S256"),
            ["claims_supported"] = A("sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "nonce", "ver"),
            ["tenant_region_scope"] = null,
            ["request_uri_parameter_supported"] = false,
        });
    }

    Task Keys(HttpContext ctx) => WriteJson(ctx, 200, TokenIssuer.Jwks());
}
