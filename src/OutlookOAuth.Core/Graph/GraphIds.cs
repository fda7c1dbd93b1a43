namespace OutlookOAuth.Graph;

/// <summary>The well-known ids of the registration (tenant-and-runbooks reference): the resources' application ids and
/// the permission ids the application asks for, the default Graph root and the admin's default public client.</summary>
public static class GraphIds
{
    /// <summary>The Graph v1.0 root of the real cloud.</summary>
    public const string DefaultEndpoint = "https://graph.microsoft.com/";
    /// <summary>The environment variable that moves the Graph root (the lab exports OUTLOOKOAUTH_LAB_GRAPH for it).</summary>
    public const string EndpointVariable = "OUTLOOKOAUTH_GRAPH_ENDPOINT";
    /// <summary>"Microsoft Graph Command Line Tools": the public client the admin signs in with by default.</summary>
    public const string AdminClientId = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    /// <summary>The resource the admin's token is for, whatever host serves Graph.</summary>
    public const string GraphResource = "https://graph.microsoft.com";

    public const string MicrosoftGraphAppId = "00000003-0000-0000-c000-000000000000";
    public const string ExchangeOnlineAppId = "00000002-0000-0ff1-ce00-000000000000";
    /// <summary>The default app role: "assigned to the application" without a role of its own.</summary>
    public const string DefaultAppRoleId = "00000000-0000-0000-0000-000000000000";

    public const string UserRead = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";
    public const string OfflineAccess = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182";
    public const string SmtpSend = "258f6531-6087-4cc4-bb90-092c5fb3ed3f";
    public const string ImapAccessAsUser = "652390e4-393a-48de-9484-05f9b1212954";
    /// <summary>Office 365 Exchange Online application permissions (app-only).</summary>
    public const string SmtpSendAsApp = "7146a1f0-8703-45b3-9eae-527a64c00995";
    public const string ImapAccessAsApp = "5e5addcd-3e8d-4e90-baf5-964efab2b20a";

    /// <summary>The delegated permissions on Microsoft Graph, by name (the oauth2PermissionGrant's scope) and id.</summary>
    public static readonly IReadOnlyList<(string Name, string Id)> DelegatedPermissions =
    [
        ("User.Read", UserRead), ("offline_access", OfflineAccess), ("SMTP.Send", SmtpSend), ("IMAP.AccessAsUser.All", ImapAccessAsUser),
    ];

    /// <summary>The application permissions on Office 365 Exchange Online for runbooks.</summary>
    public static readonly IReadOnlyList<(string Name, string Id)> AppOnlyPermissions =
    [
        ("SMTP.SendAsApp", SmtpSendAsApp), ("IMAP.AccessAsApp", ImapAccessAsApp),
    ];

    /// <summary>What the admin's delegated Graph token is asked for: the three write permissions of the registration, and
    /// reading users, groups (to assign them) and the security-defaults policy (Test-OutlookTenant).</summary>
    public static readonly IReadOnlyList<string> AdminScopes =
    [
        GraphResource + "/Application.ReadWrite.All", GraphResource + "/AppRoleAssignment.ReadWrite.All",
        GraphResource + "/DelegatedPermissionGrant.ReadWrite.All", GraphResource + "/User.Read.All",
        GraphResource + "/Group.Read.All", GraphResource + "/Policy.Read.All",
    ];

    /// <summary>The app-only Graph scope (an automation app's own application permissions).</summary>
    public const string AppOnlyScope = GraphResource + "/.default";

    /// <summary>The Graph root: the one given, else $env:OUTLOOKOAUTH_GRAPH_ENDPOINT, else graph.microsoft.com; always
    /// https and ending with '/', so relative paths such as "v1.0/applications" resolve under it.</summary>
    public static Uri ResolveEndpoint(string? given, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var text = !string.IsNullOrWhiteSpace(given) ? given.Trim()
            : getEnvironment(EndpointVariable) is { Length: > 0 } e ? e.Trim() : DefaultEndpoint;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(uri.Query))
            throw new OutlookOAuthException("InvalidGraphEndpoint", FailureKind.InvalidArgument,
                $"The Graph endpoint '{text}' is not usable: it must be an absolute https URL without a query, such as {DefaultEndpoint}.",
                $"Pass -GraphEndpoint {DefaultEndpoint} (the default) or unset ${"env:"}{EndpointVariable}.");
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
