using System.Text.Json.Nodes;
using static OutlookOAuth.Graph.GraphJson;

namespace OutlookOAuth.Graph;

/// <summary>Users and groups assigned to the enterprise application (appRoleAssignedTo, the default role), read once per
/// command: a principal already assigned costs no call.</summary>
public sealed class ApplicationAssignments
{
    readonly IGraphTransport _graph;
    readonly HashSet<string> _assigned;

    internal ApplicationAssignments(IGraphTransport graph, string servicePrincipalId, bool required, HashSet<string> assigned)
    {
        _graph = graph;
        ServicePrincipalId = servicePrincipalId;
        AssignmentRequired = required;
        _assigned = assigned;
    }

    public string ServicePrincipalId { get; }
    public bool AssignmentRequired { get; private set; }
    public bool IsAssigned(string principalId) => _assigned.Contains(principalId);

    /// <summary>Makes assignment required (only users and groups assigned can sign in); no call when it already is.</summary>
    public async Task<bool> RequireAsync(CancellationToken ct)
    {
        if (AssignmentRequired) return false;
        await _graph.SendAsync(HttpMethod.Patch, $"servicePrincipals/{Segment(ServicePrincipalId)}", new JsonObject { ["appRoleAssignmentRequired"] = true }, "make assignment required", ct).ConfigureAwait(false);
        AssignmentRequired = true;
        return true;
    }

    /// <summary>The user's object id, by user principal name, else by mail address; UserNotFound when neither.</summary>
    public async Task<(string Id, string Name)> FindUserAsync(string name, CancellationToken ct)
    {
        var n = name.Trim();
        try
        {
            var user = await _graph.SendAsync(HttpMethod.Get, $"users/{Segment(n)}?$select=id,userPrincipalName", null, $"the user '{n}'", ct).ConfigureAwait(false);
            if (Str(user, "id") is { } uid) return (uid, Str(user, "userPrincipalName") ?? n);
        }
        catch (GraphException e) when (e.StatusCode == 404) { }
        var found = Items(await _graph.SendAsync(HttpMethod.Get, $"users?$filter=mail eq {Literal(n)}&$select=id,userPrincipalName,mail", null, $"the user with mail '{n}'", ct).ConfigureAwait(false)).FirstOrDefault();
        return found is not null && Str(found, "id") is { } id ? (id, Str(found, "userPrincipalName") ?? n)
            : throw new OutlookOAuthException("UserNotFound", FailureKind.NotFound, $"No user '{n}' (user principal name or mail address) exists in the tenant.",
                "Check the server's Username (the mailbox's sign-in name), or create the user first.");
    }

    public async Task<(string Id, string Name)> FindGroupAsync(string name, CancellationToken ct)
    {
        var n = name.Trim();
        var found = Items(await _graph.SendAsync(HttpMethod.Get, $"groups?$filter=displayName eq {Literal(n)}&$select=id,displayName", null, $"the group '{n}'", ct).ConfigureAwait(false)).ToList();
        if (found.Count > 1)
            throw new OutlookOAuthException("GroupAmbiguous", FailureKind.InvalidArgument, $"{found.Count} groups are named '{n}'.", "Give the group's object id instead of its name.");
        if (Guid.TryParse(n, out _) && found.Count == 0) return (n, n);
        return found.FirstOrDefault() is { } g && Str(g, "id") is { } id ? (id, n)
            : throw new OutlookOAuthException("GroupNotFound", FailureKind.NotFound, $"No group named '{n}' exists in the tenant.", "Check the group's display name, or give its object id.");
    }

    /// <summary>Assigns the principal; false (and no call) when it already is.</summary>
    public async Task<bool> AssignAsync(string principalId, string name, CancellationToken ct)
    {
        if (_assigned.Contains(principalId)) return false;
        await _graph.SendAsync(HttpMethod.Post, $"servicePrincipals/{Segment(ServicePrincipalId)}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = principalId, ["resourceId"] = ServicePrincipalId, ["appRoleId"] = GraphIds.DefaultAppRoleId,
        }, $"assign '{name}'", ct).ConfigureAwait(false);
        _assigned.Add(principalId);
        return true;
    }
}
