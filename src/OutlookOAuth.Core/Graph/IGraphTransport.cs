using System.Text.Json.Nodes;

namespace OutlookOAuth.Graph;

/// <summary>One Graph v1.0 call: method, path under the v1.0 root (no leading slash, e.g. "applications?$filter=..."),
/// an optional JSON body; the answer's JSON, or null for 204. <see cref="GraphClient"/> makes it over HTTP,
/// <see cref="GraphPlan"/> only writes it down (-WhatIf).</summary>
public interface IGraphTransport
{
    Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonObject? body, string? what, CancellationToken cancellationToken);
}
