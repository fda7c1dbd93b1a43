namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>A user of the lab tenant. <see cref="DirectoryRoles"/> holds role template ids (the token's <c>wids</c>).</summary>
public sealed record DirectoryUser(string Id, string UserPrincipalName, string DisplayName, IReadOnlyList<string> DirectoryRoles)
{
    public bool IsGlobalAdministrator => DirectoryRoles.Contains(WellKnown.GlobalAdministratorRole);
}
