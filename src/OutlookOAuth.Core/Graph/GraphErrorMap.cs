using System.Text.Json;

namespace OutlookOAuth.Graph;

/// <summary>Turns a Graph error answer into a <see cref="GraphException"/>: 403 names the permission or role the call
/// needs, 400 keeps Graph's message, 404 names the object, 429/503 say the service is busy. Pure, so each rule is tested
/// without a server.</summary>
public static class GraphErrorMap
{
    /// <summary>The delegated permission (and directory role) a call needs, from its method and path.</summary>
    public static string RequiredPermission(string method, string path)
    {
        var p = path.ToLowerInvariant();
        if (p.Contains("approleassignedto") || p.Contains("approleassignments"))
            return "AppRoleAssignment.ReadWrite.All (role: Cloud Application Administrator or Privileged Role Administrator)";
        if (p.Contains("oauth2permissiongrants"))
            return "DelegatedPermissionGrant.ReadWrite.All (role: Cloud Application Administrator or Privileged Role Administrator)";
        if (p.Contains("identitysecuritydefaultsenforcementpolicy"))
            return "Policy.Read.All (role: Security Reader or Global Reader)";
        if (p.StartsWith("users") || p.StartsWith("groups"))
            return "User.Read.All / Group.Read.All (or Directory.Read.All)";
        return method == "GET"
            ? "Application.Read.All (or Application.ReadWrite.All; role: Application Administrator or Cloud Application Administrator)"
            : "Application.ReadWrite.All (role: Application Administrator or Cloud Application Administrator)";
    }

    /// <summary>Graph's error.code and error.message of an error body, or nulls when the body is not Graph's shape.</summary>
    public static (string? Code, string? Message) ReadError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
                return (e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
                        e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);
        }
        catch (JsonException) { }
        return (null, null);
    }

    /// <summary>The module's error for a Graph answer with <paramref name="status"/>; <paramref name="what"/> names the
    /// object of the call ("the application 'OutlookOAuth'") for 404.</summary>
    public static GraphException Map(int status, string? body, string method, string path, string? what = null)
    {
        var (code, message) = ReadError(body);
        var call = $"{method} /{path.Split('?')[0]}";
        var graphSays = message is { Length: > 0 } ? Clip(message) : $"HTTP {status}";
        return status switch
        {
            401 => new GraphException("GraphUnauthorized", FailureKind.Authentication,
                $"Microsoft Graph refused the admin's token for {call}: {graphSays}",
                "Sign in again (the token expired or is for another tenant); for app-only use, check the automation app's secret or certificate.", status, code, call),
            403 => new GraphException("GraphPermissionDenied", FailureKind.PermissionDenied,
                $"Microsoft Graph denied {call}: {graphSays} It needs {RequiredPermission(method, path.Split('?')[0])}.",
                $"Sign in as an administrator who holds that role and consent to the permission ({string.Join(", ", GraphIds.AdminScopes.Select(s => s[(GraphIds.GraphResource.Length + 1)..]))}), or grant it to the automation app.",
                status, code, call),
            404 => new GraphException("GraphObjectNotFound", FailureKind.NotFound,
                $"{(what is null ? "The object" : Capital(what))} was not found in the tenant ({call}): {graphSays}",
                "Check the id or name (another tenant? deleted?); Register-OutlookApplication creates what is missing.", status, code, call),
            400 or 409 or 422 => new GraphException(status == 409 ? "GraphConflict" : "GraphBadRequest", FailureKind.InvalidArgument,
                $"Microsoft Graph refused {call}: {graphSays}",
                code is { Length: > 0 } ? $"Graph's error code is {code}; correct the value it names and run the command again." : "Correct the value Graph names and run the command again.",
                status, code, call),
            429 or 503 => new GraphException("GraphThrottled", FailureKind.LimitsExceeded,
                $"Microsoft Graph is busy ({status}) and still refused {call} after the retries: {graphSays}",
                "Wait a few minutes and run the command again (it is safe to re-run).", status, code, call),
            _ => new GraphException("GraphRequestFailed", FailureKind.Protocol,
                $"Microsoft Graph answered {status} to {call}: {graphSays}", "Run the command again; if it persists, check the Graph endpoint (-GraphEndpoint).", status, code, call),
        };
    }

    /// <summary>How long to wait before retrying a 429/503: Retry-After (seconds or a date), else an exponential
    /// back-off; never more than <paramref name="cap"/>.</summary>
    public static TimeSpan RetryDelay(string? retryAfter, int attempt, DateTimeOffset now, TimeSpan cap)
    {
        TimeSpan delay;
        if (retryAfter is { Length: > 0 } r && int.TryParse(r.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            delay = TimeSpan.FromSeconds(seconds);
        else if (retryAfter is { Length: > 0 } d && DateTimeOffset.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            delay = at - now;
        else delay = TimeSpan.FromSeconds(Math.Pow(2, attempt));
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        return delay > cap ? cap : delay;
    }

    static string Clip(string s)
    {
        s = s.Trim();
        s = s.Length > 400 ? s[..400] + "…" : s;
        return s.EndsWith('.') ? s : s + ".";
    }

    static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
