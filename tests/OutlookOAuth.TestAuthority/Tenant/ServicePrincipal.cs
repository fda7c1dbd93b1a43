using System.Text.Json.Nodes;

namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>An enterprise application (service principal). <see cref="Properties"/> as Graph writes them, minus id and appId.</summary>
public sealed class ServicePrincipal(string id, string appId, JsonObject properties)
{
    public string Id { get; } = id;
    public string AppId { get; } = appId;
    public JsonObject Properties { get; } = properties;

    public string DisplayName => Properties["displayName"]?.ToString() ?? "";

    public bool AppRoleAssignmentRequired => Properties["appRoleAssignmentRequired"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public bool AccountEnabled => Properties["accountEnabled"] is not JsonValue v || !v.TryGetValue<bool>(out var b) || b;

    /// <summary>(value, id) of the enabled app roles this resource offers.</summary>
    public IEnumerable<(string Value, string Id)> AppRoles => Items("appRoles");

    /// <summary>(value, id) of the enabled delegated permissions this resource offers.</summary>
    public IEnumerable<(string Value, string Id)> Scopes => Items("oauth2PermissionScopes");

    IEnumerable<(string, string)> Items(string key) => Properties[key] is JsonArray a
        ? a.OfType<JsonObject>().Where(o => o["isEnabled"]?.GetValue<bool>() != false)
            .Select(o => (o["value"]?.ToString() ?? "", o["id"]?.ToString() ?? "")) : [];
}
