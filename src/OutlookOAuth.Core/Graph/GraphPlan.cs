using System.Text.Json.Nodes;

namespace OutlookOAuth.Graph;

/// <summary>-WhatIf: a transport that calls nothing and writes every call down, answering as an empty tenant would (no
/// application, no grants, no assignments; Microsoft's resource service principals exist). The registration code runs
/// unchanged against it, so the plan lists exactly the calls a first real run makes; ids in it are placeholders.</summary>
public sealed class GraphPlan : IGraphTransport
{
    int _next;

    public List<GraphCall> Calls { get; } = new();

    public Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonObject? body, string? what, CancellationToken cancellationToken)
    {
        Calls.Add(new GraphCall(method.Method, path, what));
        var bare = path.Split('?')[0];
        JsonObject? answer;
        if (method == HttpMethod.Get)
        {
            answer = bare == "servicePrincipals" && (path.Contains(GraphIds.MicrosoftGraphAppId) || path.Contains(GraphIds.ExchangeOnlineAppId))
                ? new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = path.Contains(GraphIds.MicrosoftGraphAppId) ? "<Microsoft Graph service principal id>" : "<Office 365 Exchange Online service principal id>" }) }
                : new JsonObject { ["value"] = new JsonArray() };
        }
        else if (method == HttpMethod.Post && bare == "applications")
            answer = new JsonObject { ["id"] = "<new application object id>", ["appId"] = "<new application id>", ["signInAudience"] = body?["signInAudience"]?.DeepClone() };
        else if (method == HttpMethod.Post && bare.EndsWith("/addPassword", StringComparison.Ordinal))
            answer = new JsonObject { ["keyId"] = $"<new secret key id {++_next}>", ["endDateTime"] = body?["passwordCredential"]?["endDateTime"]?.DeepClone() };
        else if (method == HttpMethod.Post && bare == "servicePrincipals")
            answer = new JsonObject { ["id"] = "<new service principal id>", ["appId"] = body?["appId"]?.DeepClone() };
        else answer = method == HttpMethod.Post ? new JsonObject { ["id"] = $"<new id {++_next}>" } : null;
        return Task.FromResult(answer);
    }
}
