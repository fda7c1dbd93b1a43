using System.Globalization;
using System.Text.Json.Nodes;

namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>The Graph v1.0 JSON of each directory object, with every property Graph returns by default.</summary>
public static class GraphShapes
{
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static JsonArray Empty() => [];

    /// <summary>Default properties of a new application (POST /applications fills these in).</summary>
    public static JsonObject NewApplication(string displayName) => new()
    {
        ["deletedDateTime"] = null,
        ["applicationTemplateId"] = null,
        ["disabledByMicrosoftStatus"] = null,
        ["displayName"] = displayName,
        ["description"] = null,
        ["groupMembershipClaims"] = null,
        ["identifierUris"] = Empty(),
        ["isDeviceOnlyAuthSupported"] = null,
        ["isFallbackPublicClient"] = null,
        ["nativeAuthenticationApisEnabled"] = null,
        ["notes"] = null,
        ["publisherDomain"] = "example.com",
        ["serviceManagementReference"] = null,
        ["signInAudience"] = "AzureADMyOrg",
        ["tags"] = Empty(),
        ["tokenEncryptionKeyId"] = null,
        ["uniqueName"] = null,
        ["samlMetadataUrl"] = null,
        ["defaultRedirectUri"] = null,
        ["certification"] = null,
        ["optionalClaims"] = null,
        ["requestSignatureVerification"] = null,
        ["addIns"] = Empty(),
        ["api"] = new JsonObject
        {
            ["acceptMappedClaims"] = null,
            ["knownClientApplications"] = Empty(),
            ["requestedAccessTokenVersion"] = null,
            ["oauth2PermissionScopes"] = Empty(),
            ["preAuthorizedApplications"] = Empty(),
        },
        ["appRoles"] = Empty(),
        ["info"] = new JsonObject
        {
            ["logoUrl"] = null, ["marketingUrl"] = null, ["privacyStatementUrl"] = null, ["supportUrl"] = null, ["termsOfServiceUrl"] = null,
        },
        ["keyCredentials"] = Empty(),
        ["parentalControlSettings"] = new JsonObject { ["countriesBlockedForMinors"] = Empty(), ["legalAgeGroupRule"] = "Allow" },
        ["publicClient"] = new JsonObject { ["redirectUris"] = Empty() },
        ["requiredResourceAccess"] = Empty(),
        ["verifiedPublisher"] = new JsonObject { ["displayName"] = null, ["verifiedPublisherId"] = null, ["addedDateTime"] = null },
        ["web"] = new JsonObject
        {
            ["homePageUrl"] = null,
            ["logoutUrl"] = null,
            ["redirectUris"] = Empty(),
            ["implicitGrantSettings"] = new JsonObject { ["enableAccessTokenIssuance"] = false, ["enableIdTokenIssuance"] = false },
            ["redirectUriSettings"] = Empty(),
        },
        ["spa"] = new JsonObject { ["redirectUris"] = Empty() },
    };

    public static JsonObject NewServicePrincipal(TenantApplication app, string ownerTenantId) => new()
    {
        ["deletedDateTime"] = null,
        ["accountEnabled"] = true,
        ["alternativeNames"] = Empty(),
        ["appDisplayName"] = app.DisplayName,
        ["appDescription"] = null,
        ["applicationTemplateId"] = null,
        ["appOwnerOrganizationId"] = ownerTenantId,
        ["appRoleAssignmentRequired"] = false,
        ["description"] = null,
        ["disabledByMicrosoftStatus"] = null,
        ["displayName"] = app.DisplayName,
        ["homepage"] = null,
        ["loginUrl"] = null,
        ["logoutUrl"] = null,
        ["notes"] = null,
        ["notificationEmailAddresses"] = Empty(),
        ["preferredSingleSignOnMode"] = null,
        ["preferredTokenSigningKeyThumbprint"] = null,
        ["replyUrls"] = new JsonArray(app.RedirectUris.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()),
        ["servicePrincipalNames"] = new JsonArray(app.AppId),
        ["servicePrincipalType"] = "Application",
        ["signInAudience"] = app.Properties["signInAudience"]?.DeepClone(),
        ["tags"] = Empty(),
        ["tokenEncryptionKeyId"] = null,
        ["samlSingleSignOnSettings"] = null,
        ["addIns"] = Empty(),
        ["appRoles"] = app.Properties["appRoles"]?.DeepClone() ?? Empty(),
        ["info"] = app.Properties["info"]?.DeepClone(),
        ["keyCredentials"] = Empty(),
        ["oauth2PermissionScopes"] = app.Properties["api"]?["oauth2PermissionScopes"]?.DeepClone() ?? Empty(),
        ["passwordCredentials"] = Empty(),
        ["resourceSpecificApplicationPermissions"] = Empty(),
        ["verifiedPublisher"] = new JsonObject { ["displayName"] = null, ["verifiedPublisherId"] = null, ["addedDateTime"] = null },
    };

    public static JsonObject PermissionScope(string value, string id, string type) => new()
    {
        ["adminConsentDescription"] = $"Allows the app to {value} (lab).",
        ["adminConsentDisplayName"] = value,
        ["id"] = id,
        ["isEnabled"] = true,
        ["type"] = type,
        ["userConsentDescription"] = $"Allows the app to {value} (lab).",
        ["userConsentDisplayName"] = value,
        ["value"] = value,
    };

    public static JsonObject AppRole(string value, string id) => new()
    {
        ["allowedMemberTypes"] = new JsonArray("Application"),
        ["description"] = $"Allows the app to {value} without a signed-in user (lab).",
        ["displayName"] = value,
        ["id"] = id,
        ["isEnabled"] = true,
        ["origin"] = "Application",
        ["value"] = value,
    };

    public static JsonObject Password(PasswordSecret s, bool withSecretText) => new()
    {
        ["customKeyIdentifier"] = null,
        ["displayName"] = s.DisplayName,
        ["endDateTime"] = Time(s.EndDateTime),
        ["hint"] = s.Hint,
        ["keyId"] = s.KeyId,
        ["secretText"] = withSecretText ? s.Value : null,
        ["startDateTime"] = Time(s.StartDateTime),
    };

    public static JsonObject Application(TenantApplication a)
    {
        var o = new JsonObject { ["id"] = a.Id, ["appId"] = a.AppId, ["createdDateTime"] = Time(a.CreatedDateTime) };
        foreach (var (k, v) in a.Properties) o[k] = v?.DeepClone();
        o["passwordCredentials"] = new JsonArray(a.Secrets.Select(s => (JsonNode)Password(s, false)).ToArray());
        return o;
    }

    public static JsonObject ServicePrincipal(ServicePrincipal s)
    {
        var o = new JsonObject { ["id"] = s.Id, ["appId"] = s.AppId };
        foreach (var (k, v) in s.Properties) o[k] = v?.DeepClone();
        return o;
    }

    public static JsonObject Assignment(AppRoleAssignment a) => new()
    {
        ["id"] = a.Id,
        ["deletedDateTime"] = null,
        ["appRoleId"] = a.AppRoleId,
        ["createdDateTime"] = Time(a.CreatedDateTime),
        ["principalDisplayName"] = a.PrincipalDisplayName,
        ["principalId"] = a.PrincipalId,
        ["principalType"] = a.PrincipalType,
        ["resourceDisplayName"] = a.ResourceDisplayName,
        ["resourceId"] = a.ResourceId,
    };

    public static JsonObject Grant(PermissionGrant g) => new()
    {
        ["clientId"] = g.ClientId,
        ["consentType"] = g.ConsentType,
        ["id"] = g.Id,
        ["principalId"] = g.PrincipalId,
        ["resourceId"] = g.ResourceId,
        ["scope"] = g.Scope,
    };

    public static JsonObject User(DirectoryUser u) => new()
    {
        ["businessPhones"] = Empty(),
        ["displayName"] = u.DisplayName,
        ["givenName"] = u.DisplayName.Split(' ')[0],
        ["jobTitle"] = null,
        ["mail"] = u.UserPrincipalName,
        ["mobilePhone"] = null,
        ["officeLocation"] = null,
        ["preferredLanguage"] = "en-US",
        ["surname"] = null,
        ["userPrincipalName"] = u.UserPrincipalName,
        ["id"] = u.Id,
    };

    public static JsonObject Group(DirectoryGroup g) => new()
    {
        ["id"] = g.Id,
        ["deletedDateTime"] = null,
        ["classification"] = null,
        ["createdDateTime"] = "2026-01-01T00:00:00Z",
        ["description"] = "Lab users who send and receive mail.",
        ["displayName"] = g.DisplayName,
        ["groupTypes"] = Empty(),
        ["mail"] = null,
        ["mailEnabled"] = false,
        ["mailNickname"] = g.MailNickname,
        ["securityEnabled"] = true,
        ["securityIdentifier"] = null,
        ["visibility"] = null,
    };
}
