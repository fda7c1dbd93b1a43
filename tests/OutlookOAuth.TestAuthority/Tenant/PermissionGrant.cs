namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>A delegated-permission grant (oauth2PermissionGrant): <see cref="ClientId"/> and <see cref="ResourceId"/> are service principal ids.</summary>
public sealed class PermissionGrant(string id, string clientId, string consentType, string? principalId, string resourceId, string scope)
{
    public string Id { get; } = id;
    public string ClientId { get; } = clientId;
    public string ConsentType { get; } = consentType;
    public string? PrincipalId { get; } = principalId;
    public string ResourceId { get; } = resourceId;
    public string Scope { get; set; } = scope;

    public IEnumerable<string> ScopeNames => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
