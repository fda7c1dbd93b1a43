using System.Text.Json.Nodes;

namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>
/// An app registration. <see cref="Properties"/> holds its Graph properties as Graph writes them (everything but
/// id, appId, createdDateTime and passwordCredentials), so PATCH and $select work on any documented property.
/// </summary>
public sealed class TenantApplication(string id, string appId, DateTimeOffset created, JsonObject properties)
{
    public string Id { get; } = id;
    public string AppId { get; } = appId;
    public DateTimeOffset CreatedDateTime { get; } = created;
    public JsonObject Properties { get; } = properties;
    public List<PasswordSecret> Secrets { get; } = [];

    /// <summary>True for the lab's fixed app (client id and secret from start.sh); its sign-in keeps the lab's original rules.</summary>
    public bool IsLabDefault { get; init; }

    public string DisplayName => Properties["displayName"]?.ToString() ?? "";

    /// <summary>Web, public client (mobile and desktop) and SPA redirect URIs.</summary>
    public IEnumerable<string> RedirectUris =>
        new[] { "web", "publicClient", "spa" }.SelectMany(k => Properties[k]?["redirectUris"] is JsonArray a
            ? a.Select(n => n?.ToString()).OfType<string>() : []);

    public bool IsFallbackPublicClient => Properties["isFallbackPublicClient"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
