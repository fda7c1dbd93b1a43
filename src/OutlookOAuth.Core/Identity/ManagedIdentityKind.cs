namespace OutlookOAuth.Identity;

/// <summary>Which managed identity of the machine the application is.</summary>
public enum ManagedIdentityKind
{
    /// <summary>The identity Azure gives the resource itself (Automation account, VM, Arc machine).</summary>
    SystemAssigned,
    /// <summary>A user-assigned identity named by its client id (a GUID).</summary>
    UserAssignedClientId,
    /// <summary>A user-assigned identity named by its Azure resource id (/subscriptions/.../userAssignedIdentities/...).</summary>
    UserAssignedResourceId,
}
