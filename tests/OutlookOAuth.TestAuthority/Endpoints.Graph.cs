using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// Microsoft Graph v1.0 under <c>{base}/graph/</c>: routing, bearer-token checks, permissions, OData helpers, Graph's
/// error body and throttling. The resources themselves are in Endpoints.GraphApplications.cs and Endpoints.GraphDirectory.cs.
/// </summary>
public sealed partial class LabAuthority
{
    const string GraphJson = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
    const string Denied = "Insufficient privileges to complete the operation.";

    int _throttleCount, _throttleStatus = 429, _throttleRetryAfter = 1;

    /// <summary>The Graph service root (<c>{base}/graph/</c>), what the real one is at https://graph.microsoft.com/.</summary>
    public string GraphRoot => $"{BaseUri}/graph/";

    /// <summary>The lab tenant's directory (Graph's state and what sign-in checks).</summary>
    public LabTenant Tenant { get; private set; } = null!;

    /// <summary>Who called Graph: a user through a client (delegated, <c>scp</c>) or an app alone (<c>roles</c>).</summary>
    sealed record Caller(DirectoryUser? User, string AppId, IReadOnlySet<string> Scopes, IReadOnlySet<string> Roles)
    {
        public bool IsApp => User is null;
    }

    sealed class GraphFault(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }

    sealed record GraphRequest(HttpContext Ctx, Caller Caller, string[] Segments)
    {
        public string Method => Ctx.Request.Method;
    }

    void MapGraph(WebApplication app)
    {
        app.Map("/graph/{**path}", GraphEntry);
    }

    async Task GraphEntry(HttpContext ctx)
    {
        ctx.Response.Headers["request-id"] = Guid.NewGuid().ToString();
        if (ctx.Request.Headers.TryGetValue("client-request-id", out var crid)) ctx.Response.Headers["client-request-id"] = crid;
        try
        {
            var path = (ctx.Request.RouteValues["path"]?.ToString() ?? "").Trim('/');
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            if (segments.Length == 0 || segments[0] != "v1.0")
                throw new GraphFault(400, "BadRequest", $"Invalid version: {(segments.Length == 0 ? "" : segments[0])}");
            var caller = Authenticate(ctx);
            if (TakeThrottle() is { } throttled)
            {
                ctx.Response.Headers.RetryAfter = throttled.RetryAfter.ToString(CultureInfo.InvariantCulture);
                await GraphError(ctx, throttled.Status, throttled.Status == 429 ? "TooManyRequests" : "serviceNotAvailable",
                    throttled.Status == 429 ? "Too many requests. Please retry after the time given in Retry-After." : "The service is temporarily unavailable. Please retry after the time given in Retry-After.");
                return;
            }
            var req = new GraphRequest(ctx, caller, segments[1..]);
            await DispatchGraph(req);
        }
        catch (GraphFault f) when (!ctx.Response.HasStarted)
        {
            await GraphError(ctx, f.Status, f.Code, f.Message);
        }
    }

    Task DispatchGraph(GraphRequest r)
    {
        var s = r.Segments;
        if (s.Length == 0) throw new GraphFault(400, "BadRequest", "Resource not found for the segment ''.");
        var (head, key) = SplitKey(s[0]);
        return head switch
        {
            "applications" => Applications(r, key),
            "servicePrincipals" => ServicePrincipals(r, key),
            "oauth2PermissionGrants" => PermissionGrants(r, key),
            "users" => GraphUsers(r, key),
            "me" => Me(r),
            "groups" => Groups(r, key),
            "policies" => Policies(r),
            _ => throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{s[0]}'."),
        };
    }

    /// <summary><c>applications(appId='x')</c> → ("applications", "appId='x'"), <c>applications</c> → ("applications", null).</summary>
    static (string Head, string? Key) SplitKey(string segment)
    {
        var open = segment.IndexOf('(');
        return open > 0 && segment.EndsWith(')') ? (segment[..open], segment[(open + 1)..^1]) : (segment, null);
    }

    /// <summary>Resolves <c>{id}</c> (next segment) or <c>(appId='…')</c> to an app id / object id pair for lookups.</summary>
    static (string? Id, string? AppId) Key(string? parenKey, string[] segments)
    {
        if (parenKey is not null)
        {
            var eq = parenKey.IndexOf('=');
            if (eq > 0 && parenKey[..eq].Trim() == "appId") return (null, parenKey[(eq + 1)..].Trim().Trim('\''));
            return (parenKey.Trim('\''), null);
        }
        return segments.Length > 1 ? (segments[1], null) : (null, null);
    }

    // ---------------------------------------------------------------- authentication and permissions

    Caller Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            throw new GraphFault(401, "InvalidAuthenticationToken", "Access token is empty.");
        var jwt = header[7..].Trim();
        JsonObject p;
        try
        {
            if (!TokenIssuer.VerifySignature(jwt)) throw new GraphFault(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid signature.");
            p = LabTokenIssuer.Decode(jwt).Payload;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new GraphFault(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.");
        }
        var aud = p["aud"]?.ToString();
        if (aud is not (WellKnown.GraphAppId or WellKnown.GraphResource or WellKnown.GraphResource + "/"))
            throw new GraphFault(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
        if (UnixTime(p["exp"]) is not { } exp || exp <= Now)
            throw new GraphFault(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
        if (!string.Equals(p["tid"]?.ToString(), TenantId, StringComparison.OrdinalIgnoreCase))
            throw new GraphFault(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid issuer.");
        var appId = p["appid"]?.ToString() ?? "";
        static HashSet<string> Set(IEnumerable<string> v) => new(v, StringComparer.OrdinalIgnoreCase);
        if (p["idtyp"]?.ToString() == "app" || p["scp"] is null)
            return new Caller(null, appId, Set([]), Set(p["roles"] is JsonArray roles ? roles.Select(x => x?.ToString() ?? "") : []));
        DirectoryUser? user;
        lock (Tenant.Gate) user = Tenant.User(p["oid"]?.ToString());
        if (user is null) throw new GraphFault(401, "InvalidAuthenticationToken", "Access token validation failure. The user does not exist in the tenant.");
        return new Caller(user, appId, Set((p["scp"]?.ToString() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)), Set([]));
    }

    /// <summary>403 unless the caller holds one of <paramref name="permissions"/> (and, delegated, is an administrator).</summary>
    static void Require(GraphRequest r, params string[] permissions)
    {
        var c = r.Caller;
        var held = c.IsApp ? c.Roles : c.Scopes;
        if (!permissions.Any(held.Contains) || (!c.IsApp && !c.User!.IsGlobalAdministrator))
            throw new GraphFault(403, "Authorization_RequestDenied", Denied);
    }

    static readonly string[] AppRead = ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"];
    static readonly string[] AppWrite = ["Application.ReadWrite.All"];

    // ---------------------------------------------------------------- OData helpers

    string Context(string fragment) => $"{GraphRoot}v1.0/$metadata#{fragment}";

    /// <summary>Applies <c>$select</c> to <paramref name="item"/>; unknown names are Graph's 400.</summary>
    static JsonObject Select(HttpContext ctx, JsonObject item, string type)
    {
        var select = SelectList(ctx);
        if (select is null) return item;
        var o = new JsonObject();
        foreach (var name in select)
        {
            if (!item.ContainsKey(name))
                throw new GraphFault(400, "BadRequest", $"Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.{type}'.");
            o[name] = item[name]?.DeepClone();
        }
        return o;
    }

    static string[]? SelectList(HttpContext ctx) => ctx.Request.Query.Value("$select") is { Length: > 0 } s
        ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;

    string SelectContext(HttpContext ctx, string set) => SelectList(ctx) is { } s ? $"{set}({string.Join(',', s)})" : set;

    Task GraphEntity(HttpContext ctx, int status, string set, JsonObject item, string type)
    {
        var selected = Select(ctx, item, type);
        var body = new JsonObject { ["@odata.context"] = Context(SelectContext(ctx, set) + "/$entity") };
        foreach (var (k, v) in selected) body[k] = v?.DeepClone();
        return GraphJsonAsync(ctx, status, body);
    }

    Task GraphCollection(HttpContext ctx, string set, IEnumerable<JsonObject> items, string type)
    {
        var list = items.Select(i => (JsonNode)Select(ctx, i, type)).ToList();
        var body = new JsonObject { ["@odata.context"] = Context(SelectContext(ctx, set)) };
        if (ctx.Request.Query.Value("$top") is { } topText)
        {
            // Server-side paging: $top pages, @odata.nextLink carries an opaque $skiptoken (here: the offset, base64url).
            if (Int(topText) is not { } top || top is < 1 or > 999)
                throw new GraphFault(400, "Request_BadRequest", $"Invalid page size specified: '{topText}'. Must be between 1 and 999 inclusive.");
            var skip = 0;
            if (ctx.Request.Query.Value("$skiptoken") is { } token)
            {
                try { skip = int.Parse(System.Text.Encoding.ASCII.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token)), CultureInfo.InvariantCulture); }
                catch (FormatException) { throw new GraphFault(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request."); }
            }
            var page = list.Skip(skip).Take(top).ToList();
            if (skip + top < list.Count)
            {
                var q = ctx.Request.Query.Where(kv => kv.Key != "$skiptoken").ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
                q["$skiptoken"] = LabTokenIssuer.B64(System.Text.Encoding.ASCII.GetBytes((skip + top).ToString(CultureInfo.InvariantCulture)));
                body["@odata.nextLink"] = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"{BaseUri}{ctx.Request.Path}", q);
            }
            list = page;
        }
        body["value"] = new JsonArray(list.ToArray());
        return GraphJsonAsync(ctx, 200, body);
    }

    /// <summary>
    /// The <c>$filter</c> subset these calls use: <c>prop eq 'v'</c>, <c>startswith(prop,'v')</c>, joined by <c>and</c>.
    /// Other clauses, or properties outside <paramref name="filterable"/>, get Graph's 400.
    /// </summary>
    static IEnumerable<JsonObject> Filter(HttpContext ctx, IEnumerable<JsonObject> items, string resource, params string[] filterable)
    {
        var filter = ctx.Request.Query.Value("$filter");
        if (string.IsNullOrWhiteSpace(filter)) return items;
        var clauses = new List<(string Prop, string Value, bool Prefix)>();
        foreach (var raw in System.Text.RegularExpressions.Regex.Split(filter.Trim(), @"\s+and\s+", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            var m = System.Text.RegularExpressions.Regex.Match(raw.Trim(), @"^(?:(?<p>[A-Za-z]+)\s+eq\s+(?<v>'(?:[^']|'')*'|[0-9a-fA-F-]{36}|true|false|null)|startswith\(\s*(?<sp>[A-Za-z]+)\s*,\s*(?<sv>'(?:[^']|'')*')\s*\))$");
            if (!m.Success) throw new GraphFault(400, "BadRequest", $"Invalid filter clause: {raw.Trim()}");
            var prop = m.Groups["p"].Success ? m.Groups["p"].Value : m.Groups["sp"].Value;
            var value = (m.Groups["v"].Success ? m.Groups["v"].Value : m.Groups["sv"].Value);
            if (value.StartsWith('\'')) value = value[1..^1].Replace("''", "'");
            if (!filterable.Contains(prop, StringComparer.Ordinal))
                throw new GraphFault(400, "Request_UnsupportedQuery", $"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{resource}'.");
            clauses.Add((prop, value, m.Groups["sp"].Success));
        }
        return items.Where(i => clauses.All(c =>
        {
            var v = i[c.Prop]?.ToString();
            if (c.Value == "null") return v is null;
            return v is not null && (c.Prefix ? v.StartsWith(c.Value, StringComparison.OrdinalIgnoreCase) : v.Equals(c.Value, StringComparison.OrdinalIgnoreCase));
        }));
    }

    static async Task<JsonObject> Body(HttpContext ctx)
    {
        try
        {
            var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            return node as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new GraphFault(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
    }

    static GraphFault NotFound(string key) =>
        new(404, "Request_ResourceNotFound", $"Resource '{key}' does not exist or one of its queried reference-property objects are not present.");

    static GraphFault BadValue(string property, string resource) =>
        new(400, "Request_BadRequest", $"Invalid value specified for property '{property}' of resource '{resource}'.");

    static GraphFault MethodNotAllowed() => new(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.");

    static Task NoContent(HttpContext ctx)
    {
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    /// <summary>Graph's error body: <c>{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}</c>.</summary>
    Task GraphError(HttpContext ctx, int status, string code, string message)
    {
        ctx.Items[ErrorItem] = $"graph {code}";
        var requestId = ctx.Response.Headers["request-id"].ToString();
        var inner = new JsonObject { ["date"] = Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), ["request-id"] = requestId };
        inner["client-request-id"] = ctx.Request.Headers.TryGetValue("client-request-id", out var c) ? c.ToString() : requestId;
        return GraphJsonAsync(ctx, status, new JsonObject
        {
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["innerError"] = inner },
        }, "application/json");
    }

    static async Task GraphJsonAsync(HttpContext ctx, int status, JsonNode body, string contentType = GraphJson)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }

    // ---------------------------------------------------------------- throttling

    /// <summary>The next <paramref name="count"/> Graph calls (after authentication) answer <paramref name="status"/> with Retry-After.</summary>
    public void ThrottleGraph(int count, int status = 429, int retryAfterSeconds = 1)
    {
        if (status is not (429 or 503)) throw new ArgumentOutOfRangeException(nameof(status), "Graph throttles with 429 or 503.");
        lock (_gate)
        {
            _throttleCount = Math.Max(0, count);
            _throttleStatus = status;
            _throttleRetryAfter = Math.Max(0, retryAfterSeconds);
        }
    }

    (int Status, int RetryAfter)? TakeThrottle()
    {
        lock (_gate)
        {
            if (_throttleCount <= 0) return null;
            _throttleCount--;
            return (_throttleStatus, _throttleRetryAfter);
        }
    }
}
