namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>Ids Entra and Microsoft Graph use in every tenant (first-party apps, permission ids, role templates).</summary>
public static class WellKnown
{
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    public const string GraphResource = "https://graph.microsoft.com";
    public const string ExchangeAppId = "00000002-0000-0ff1-ce00-000000000000";
    public const string GraphCommandLineToolsAppId = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    public const string MicrosoftTenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

    /// <summary>The app role id of "default access" (an assignment to the app itself, no role).</summary>
    public const string DefaultAccessRoleId = "00000000-0000-0000-0000-000000000000";

    public const string GlobalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10";
    public const string DefaultUserRole = "b79fbf4d-3ef9-4689-8143-76b194e85509";

    /// <summary>Microsoft Graph delegated permissions (oauth2PermissionScopes): value, id, type.</summary>
    public static readonly IReadOnlyList<(string Value, string Id, string Type)> GraphScopes =
    [
        ("User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User"),
        ("offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "User"),
        ("openid", "37f7f235-527c-4136-accd-4a02d197296e", "User"),
        ("profile", "14dad69e-099b-42c9-810b-d002981feec1", "User"),
        ("email", "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "User"),
        ("SMTP.Send", "258f6531-6087-4cc4-bb90-092c5fb3ed3f", "User"),
        ("IMAP.AccessAsUser.All", "652390e4-393a-48de-9484-05f9b1212954", "User"),
        ("POP.AccessAsUser.All", "d7b7f2d9-0f45-4ea1-9d42-e50810c06991", "User"),
        ("User.ReadBasic.All", "b340eb25-3456-403f-be2f-af7a0d370277", "User"),
        ("User.Read.All", "a154be20-db9c-4678-8ab7-66f6cc099a59", "Admin"),
        ("Group.Read.All", "5f8c59db-677d-491f-a6b8-5f174b11ec1d", "Admin"),
        ("Directory.Read.All", "06da0dbc-49e2-44d2-8312-53f166ab848a", "Admin"),
        ("Policy.Read.All", "572fea84-0151-49b2-9301-11cb16974376", "Admin"),
        ("Application.Read.All", "c79f8feb-a9db-4090-85f9-90d820caa0eb", "Admin"),
        ("Application.ReadWrite.All", "bdfbf15f-ee85-4955-8675-146e8e5296b5", "Admin"),
        ("AppRoleAssignment.ReadWrite.All", "84bccea3-f856-4a8a-967b-dbe0a3d53a64", "Admin"),
        ("DelegatedPermissionGrant.ReadWrite.All", "41ce6ca6-6826-4807-84f1-1c82854f7ee5", "Admin"),
    ];

    /// <summary>Microsoft Graph application permissions (appRoles): value, id.</summary>
    public static readonly IReadOnlyList<(string Value, string Id)> GraphAppRoles =
    [
        ("Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"),
        ("Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"),
        ("AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f"),
        ("DelegatedPermissionGrant.ReadWrite.All", "8e8e4742-1d95-4f68-9d56-6ee75648c72a"),
        ("User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
        ("Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"),
        ("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
        ("Policy.Read.All", "246dd0d5-5bd0-4def-940b-0421030a5b68"),
    ];

    /// <summary>Office 365 Exchange Online delegated permissions: value, id.</summary>
    public static readonly IReadOnlyList<(string Value, string Id, string Type)> ExchangeScopes =
    [
        ("SMTP.Send", "76faac2a-0f20-42f1-928a-50de5b9dbe52", "User"),
        ("IMAP.AccessAsUser.All", "195adc35-e27b-454b-a7ed-1ecdffa1c09f", "User"),
        ("POP.AccessAsUser.All", "fb698133-92fa-453e-a9ed-688e10f2e5ac", "User"),
    ];

    /// <summary>Office 365 Exchange Online application permissions: value, id.</summary>
    public static readonly IReadOnlyList<(string Value, string Id)> ExchangeAppRoles =
    [
        ("SMTP.SendAsApp", "7146a1f0-8703-45b3-9eae-527a64c00995"),
        ("IMAP.AccessAsApp", "5e5addcd-3e8d-4e90-baf5-964efab2b20a"),
        ("full_access_as_app", "dc890d15-9560-4a4c-9b7f-a736ec74ec40"),
    ];

    /// <summary>Delegated scopes Exchange accepts when they are consented on Microsoft Graph (the portal's "Microsoft Graph" SMTP.Send etc.).</summary>
    public static readonly IReadOnlySet<string> MailScopes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "SMTP.Send", "IMAP.AccessAsUser.All", "POP.AccessAsUser.All" };
}
