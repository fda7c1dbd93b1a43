namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>An app role granted to a user, group or service principal (<c>principalId</c>) on a resource service principal.</summary>
public sealed record AppRoleAssignment(string Id, string AppRoleId, string PrincipalId, string PrincipalType, string PrincipalDisplayName,
    string ResourceId, string ResourceDisplayName, DateTimeOffset CreatedDateTime);
