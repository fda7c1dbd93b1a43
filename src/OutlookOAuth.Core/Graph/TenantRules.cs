namespace OutlookOAuth.Graph;

/// <summary>Stable ids of the tenant checks of Test-OutlookTenant (docs/configuration-checks.md, "Tenant checks").</summary>
public static class TenantRules
{
    public const string ApplicationMissing = "OOT001";
    public const string ApplicationDisabled = "OOT002";
    public const string RedirectUriMismatch = "OOT003";
    public const string PermissionMissing = "OOT004";
    public const string PermissionNotConsented = "OOT005";
    public const string UserNotAssigned = "OOT006";
    public const string SecretExpired = "OOT007";
    public const string SecretExpiring = "OOT008";
    public const string SecurityDefaultsOn = "OOT009";
    public const string AppOnlyRoleMissing = "OOT010";
    public const string ExchangeOnlyChecks = "OOT011";
}
