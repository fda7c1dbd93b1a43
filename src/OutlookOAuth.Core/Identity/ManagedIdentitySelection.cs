using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>The managed identity the application uses, as kept in the YAML's <c>application.managedIdentity</c>:
/// <c>system</c>, the client id (GUID) of a user-assigned identity, or its resource id. No secret: Azure proves it.</summary>
public sealed record ManagedIdentitySelection(ManagedIdentityKind Kind, string? Id)
{
    public const string SystemValue = "system";
    const string ResourcePrefix = "/subscriptions/";
    const string ResourceType = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/";

    public static readonly ManagedIdentitySelection SystemAssigned = new(ManagedIdentityKind.SystemAssigned, null);

    /// <summary>The value written to the YAML.</summary>
    public string Value => Kind == ManagedIdentityKind.SystemAssigned ? SystemValue : Id!;

    /// <summary>Words for messages: "the system-assigned managed identity", "the user-assigned managed identity with client id X".</summary>
    public string Describe() => Kind switch
    {
        ManagedIdentityKind.SystemAssigned => "the system-assigned managed identity",
        ManagedIdentityKind.UserAssignedClientId => $"the user-assigned managed identity with client id {Id}",
        _ => $"the user-assigned managed identity {Id}",
    };

    public static ManagedIdentitySelection ForClientId(string clientId)
    {
        var id = clientId.Trim();
        if (!Guid.TryParseExact(id, "D", out _))
            throw new ConfigurationValidationException("InvalidManagedIdentityClientId", "ManagedIdentityClientId",
                $"'{clientId}' is not the client id of a user-assigned managed identity: it is a GUID such as 00000000-0000-0000-0000-000000000000 " +
                "(Azure portal > Managed Identities > the identity > Overview > Client ID).")
            { Hint = "Copy the identity's Client ID (not its Object (principal) ID or name): Set-OutlookApplication -ManagedIdentityClientId <GUID>; or -ManagedIdentityResourceId <resource id>." };
        return new(ManagedIdentityKind.UserAssignedClientId, id.ToLowerInvariant());
    }

    public static ManagedIdentitySelection ForResourceId(string resourceId)
    {
        var id = resourceId.Trim();
        if (!id.StartsWith(ResourcePrefix, StringComparison.OrdinalIgnoreCase) || !id.Contains(ResourceType, StringComparison.OrdinalIgnoreCase) ||
            id.EndsWith('/') || id.Any(char.IsWhiteSpace))
            throw new ConfigurationValidationException("InvalidManagedIdentityResourceId", "ManagedIdentityResourceId",
                $"'{resourceId}' is not the resource id of a user-assigned managed identity: it looks like " +
                "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>.")
            { Hint = "Copy it from the identity's Properties page (Resource ID), or use -ManagedIdentityClientId <client id>." };
        return new(ManagedIdentityKind.UserAssignedResourceId, id);
    }

    /// <summary>The stored value back (<c>system</c>, a GUID or a resource id); null for none.</summary>
    /// <exception cref="ConfigurationValidationException">the value is none of them.</exception>
    public static ManagedIdentitySelection? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var v = value.Trim();
        if (v.Equals(SystemValue, StringComparison.OrdinalIgnoreCase) || v.Equals("SystemAssigned", StringComparison.OrdinalIgnoreCase)) return SystemAssigned;
        return v.StartsWith('/') ? ForResourceId(v) : ForClientId(v);
    }

    public override string ToString() => Value;
}
