using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// What sign-in asks the lab tenant: which client is calling, which scopes it may ask for, and whether this user may
/// have them now (assignment required → AADSTS50105, no consent → AADSTS65001). The lab's fixed app keeps its own
/// scope rules (<see cref="DelegatedScopes"/>); every other client follows the tenant's grants and assignments.
/// </summary>
public sealed partial class LabAuthority
{
    TenantApplication? Client(string? clientId)
    {
        lock (Tenant.Gate) return Tenant.Client(clientId);
    }

    /// <summary>AADSTS7000112 when the client's enterprise application has <c>accountEnabled: false</c>.</summary>
    Problem? DisabledProblem(TenantApplication client)
    {
        lock (Tenant.Gate)
            return Tenant.ServicePrincipal(client.AppId) is { AccountEnabled: false }
                ? new Problem(400, "unauthorized_client", 7000112, $"Application '{client.AppId}'({client.DisplayName}) is disabled.")
                : null;
    }

    static bool SameClient(string? clientId, TenantApplication client) => string.Equals(clientId, client.AppId, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a delegated scope request for <paramref name="client"/>: one resource (Outlook or Graph), its offered scopes, OIDC scopes.</summary>
    (Scopes? Scopes, Problem? Problem) ScopesFor(TenantApplication client, string? scope)
    {
        if (client.IsLabDefault) return DelegatedScopes(scope);
        if (string.IsNullOrWhiteSpace(scope)) return (null, Missing("scope"));
        string? resource = null;
        ServicePrincipal? resourceSp = null;
        var names = new List<string>();
        bool openId = false, offline = false, asDefault = false;
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
            ServicePrincipal? sp;
            lock (Tenant.Gate) sp = res is null ? null : Tenant.Resource(res);
            if (sp is null) return (null, UnknownResource(item));
            if (resourceSp is not null && sp != resourceSp)
                return (null, new Problem(400, "invalid_scope", 28000, $"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid."));
            resource ??= res;
            resourceSp = sp;
            var name = item[(slash + 1)..];
            if (name == ".default") { asDefault = true; continue; }
            var offered = sp.Scopes.FirstOrDefault(s => s.Value.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            if (offered is null)
                return (null, new Problem(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The scope '{item}' does not exist."));
            if (!names.Contains(offered)) names.Add(offered);
        }
        if (resource is null || resourceSp is null)
            return (null, new Problem(400, "invalid_scope", 70011, $"The provided value for the input parameter 'scope' is not valid. The lab authority needs at least one resource scope (for example '{LabTokenIssuer.DelegatedAudience}/SMTP.Send' or '{WellKnown.GraphResource}/User.Read')."));
        if (asDefault)
            lock (Tenant.Gate)
            {
                // .default: every scope consented for this client on the resource (for everyone); none is AADSTS65001 later.
                var all = resourceSp.Scopes.Select(s => s.Value).ToList();
                var missing = Tenant.MissingConsent(client, "", resourceSp, all);
                names.AddRange(all.Where(a => !missing.Contains(a) && !OidcScopes.Contains(a) && !names.Contains(a)));
            }
        return (new Scopes(resource, names, openId, offline) { IsDefault = asDefault }, null);
    }

    /// <summary>Null when <paramref name="user"/> may have <paramref name="scopes"/> through <paramref name="client"/> in the tenant's state now.</summary>
    Problem? UserProblem(TenantApplication client, string user, Scopes scopes)
    {
        lock (Tenant.Gate)
        {
            var u = Tenant.User(ObjectId(user));
            if (u is null) return null;
            if (!Tenant.IsAssigned(client, u.Id))
                return InvalidGrant(50105, $"Your administrator has configured the application {client.DisplayName} ('{client.AppId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{u.UserPrincipalName}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.");
            if (client.IsLabDefault) return null;
            var resource = Tenant.Resource(scopes.Resource)!;
            var missing = Tenant.MissingConsent(client, u.Id, resource, scopes.Names);
            if (missing.Count > 0 || (scopes.IsDefault && scopes.Names.Count == 0))
                return new Problem(400, "invalid_grant", 65001,
                    $"The user or administrator has not consented to use the application with ID '{client.AppId}' named '{client.DisplayName}'. Send an interactive authorization request for this user and resource.",
                    Suberror: "consent_required");
            return null;
        }
    }
}
