using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>
/// The lab's directory: users, one group, app registrations with their secrets, service principals (Microsoft Graph
/// and Office 365 Exchange Online pre-installed), app role assignments, delegated-permission grants and the security
/// defaults switch. State lives for one run of the authority. Every member locks <see cref="Gate"/>; the sign-in checks
/// (<see cref="CheckSecret"/>, <see cref="MissingConsent"/>, <see cref="IsAssigned"/>, <see cref="GrantedAppRoles"/>)
/// read the same state Graph writes, so an app registered through Graph is usable at the token endpoint at once.
/// </summary>
public sealed class LabTenant
{
    public const string AdminUser = "admin@example.com";
    public const string LabGroupName = "Lab Mail Users";

    readonly TimeProvider _clock;
    readonly Dictionary<string, TenantApplication> _apps = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, TenantApplication> _foreignApps = new(StringComparer.OrdinalIgnoreCase);
    readonly List<ServicePrincipal> _servicePrincipals = [];
    readonly List<AppRoleAssignment> _assignments = [];
    readonly List<PermissionGrant> _grants = [];
    readonly List<DirectoryUser> _users = [];
    readonly List<DirectoryGroup> _groups = [];

    public LabTenant(string tenantId, TimeProvider clock, Func<string, string> objectIdOf, IEnumerable<string> users)
    {
        TenantId = tenantId;
        _clock = clock;
        foreach (var u in users.Distinct(StringComparer.OrdinalIgnoreCase))
            _users.Add(new DirectoryUser(objectIdOf(u), u, LabTokenIssuer.DisplayName(u), [WellKnown.DefaultUserRole]));
        if (!_users.Any(u => u.UserPrincipalName.Equals(AdminUser, StringComparison.OrdinalIgnoreCase)))
            _users.Add(new DirectoryUser(objectIdOf(AdminUser), AdminUser, "Lab Administrator",
                [WellKnown.GlobalAdministratorRole, WellKnown.DefaultUserRole]));
        _groups.Add(new DirectoryGroup(NewId(), LabGroupName, "labmailusers",
            _users.Where(u => !u.IsGlobalAdministrator).Select(u => u.Id).ToList()));

        Graph = AddFirstParty(WellKnown.GraphAppId, "Microsoft Graph", WellKnown.GraphScopes, WellKnown.GraphAppRoles);
        Exchange = AddFirstParty(WellKnown.ExchangeAppId, "Office 365 Exchange Online", WellKnown.ExchangeScopes, WellKnown.ExchangeAppRoles);

        // Microsoft Graph Command Line Tools: a public client from Microsoft's tenant, consented here for the admin's Graph scopes.
        var cli = new TenantApplication(NewId(), WellKnown.GraphCommandLineToolsAppId, Now, GraphShapes.NewApplication("Microsoft Graph Command Line Tools"));
        cli.Properties["isFallbackPublicClient"] = true;
        cli.Properties["signInAudience"] = "AzureADandPersonalMicrosoftAccount";
        cli.Properties["publicClient"] = new JsonObject { ["redirectUris"] = new JsonArray("http://localhost", "https://login.microsoftonline.com/common/oauth2/nativeclient") };
        _foreignApps[cli.AppId] = cli;
        var cliSp = AddServicePrincipal(cli, WellKnown.MicrosoftTenantId);
        _grants.Add(new PermissionGrant(NewId(), cliSp.Id, "AllPrincipals", null, Graph.Id, string.Join(' ', GraphCommandLineToolsScopes)));
    }

    /// <summary>The Graph scopes the lab consented for Microsoft Graph Command Line Tools (for everyone; only admins' calls succeed).</summary>
    public static readonly IReadOnlyList<string> GraphCommandLineToolsScopes =
    [
        "openid", "profile", "offline_access", "User.Read", "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All", "User.Read.All", "Group.Read.All", "Policy.Read.All",
    ];

    public string TenantId { get; }
    public Lock Gate { get; } = new();
    public ServicePrincipal Graph { get; }
    public ServicePrincipal Exchange { get; }

    /// <summary>identitySecurityDefaultsEnforcementPolicy.isEnabled (off in the lab; security defaults turn SMTP AUTH off).</summary>
    public bool SecurityDefaultsEnabled { get; set; }

    public DateTimeOffset Now => _clock.GetUtcNow();

    public IEnumerable<TenantApplication> Applications => _apps.Values;
    public IEnumerable<ServicePrincipal> ServicePrincipals => _servicePrincipals;
    public IEnumerable<AppRoleAssignment> Assignments => _assignments;
    public IEnumerable<PermissionGrant> Grants => _grants;
    public IEnumerable<DirectoryUser> Users => _users;
    public IEnumerable<DirectoryGroup> Groups => _groups;

    public static string NewId() => Guid.NewGuid().ToString();

    /// <summary>Registers the lab's fixed app: consented for <paramref name="delegatedScopes"/> on Exchange, holding <paramref name="appRoles"/>, assignment not required.</summary>
    public TenantApplication AddLabDefaultApplication(string clientId, string servicePrincipalId, string secret, IEnumerable<string> redirectUris,
        IEnumerable<string> delegatedScopes, IEnumerable<string> appRoles)
    {
        var app = new TenantApplication(NewId(), clientId, Now, GraphShapes.NewApplication("OutlookOAuth lab app")) { IsLabDefault = true };
        app.Properties["web"]!["redirectUris"] = new JsonArray(redirectUris.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray());
        app.Properties["isFallbackPublicClient"] = true;
        app.Secrets.Add(new PasswordSecret(NewId(), secret, "lab secret (start.sh)", Now, Now.AddYears(2)));
        _apps[app.AppId] = app;
        var sp = AddServicePrincipal(app, TenantId, servicePrincipalId);
        var scopes = delegatedScopes.Where(s => Exchange.Scopes.Any(x => x.Value.Equals(s, StringComparison.OrdinalIgnoreCase))).ToList();
        if (scopes.Count > 0) _grants.Add(new PermissionGrant(NewId(), sp.Id, "AllPrincipals", null, Exchange.Id, string.Join(' ', scopes)));
        foreach (var role in appRoles)
            if (Exchange.AppRoles.FirstOrDefault(r => r.Value.Equals(role, StringComparison.OrdinalIgnoreCase)) is { Id: { Length: > 0 } roleId })
                _assignments.Add(new AppRoleAssignment(NewId(), roleId, sp.Id, "ServicePrincipal", sp.DisplayName, Exchange.Id, Exchange.DisplayName, Now));
        return app;
    }

    public TenantApplication AddApplication(JsonObject properties)
    {
        var app = new TenantApplication(NewId(), NewId(), Now, properties);
        _apps[app.AppId] = app;
        return app;
    }

    public void RemoveApplication(TenantApplication app) => _apps.Remove(app.AppId);

    public ServicePrincipal AddServicePrincipal(TenantApplication app, string ownerTenantId, string? id = null)
    {
        var sp = new ServicePrincipal(id ?? NewId(), app.AppId, GraphShapes.NewServicePrincipal(app, ownerTenantId));
        _servicePrincipals.Add(sp);
        return sp;
    }

    public void RemoveServicePrincipal(ServicePrincipal sp)
    {
        _servicePrincipals.Remove(sp);
        _assignments.RemoveAll(a => a.PrincipalId == sp.Id || a.ResourceId == sp.Id);
        _grants.RemoveAll(g => g.ClientId == sp.Id || g.ResourceId == sp.Id);
    }

    public void AddAssignment(AppRoleAssignment a) => _assignments.Add(a);
    public bool RemoveAssignment(string id) => _assignments.RemoveAll(a => a.Id.Equals(id, StringComparison.OrdinalIgnoreCase)) > 0;
    public void AddGrant(PermissionGrant g) => _grants.Add(g);
    public bool RemoveGrant(string id) => _grants.RemoveAll(g => g.Id.Equals(id, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>An app registration of this tenant by appId (not the first-party ones).</summary>
    public TenantApplication? Application(string? appId) => appId is not null && _apps.TryGetValue(appId, out var a) ? a : null;

    public TenantApplication? ApplicationById(string id) => _apps.Values.FirstOrDefault(a => a.Id.Equals(id, StringComparison.OrdinalIgnoreCase));

    /// <summary>A client that can sign in here: an app registered in this tenant, or a first-party one with a service principal here.</summary>
    public TenantApplication? Client(string? appId) =>
        Application(appId) ?? (appId is not null && _foreignApps.TryGetValue(appId, out var f) ? f : null);

    public ServicePrincipal? ServicePrincipal(string? appId) =>
        _servicePrincipals.FirstOrDefault(s => s.AppId.Equals(appId, StringComparison.OrdinalIgnoreCase));

    public ServicePrincipal? ServicePrincipalById(string? id) =>
        _servicePrincipals.FirstOrDefault(s => s.Id.Equals(id, StringComparison.OrdinalIgnoreCase));

    public DirectoryUser? User(string? idOrUpn) => _users.FirstOrDefault(u =>
        u.Id.Equals(idOrUpn, StringComparison.OrdinalIgnoreCase) || u.UserPrincipalName.Equals(idOrUpn, StringComparison.OrdinalIgnoreCase));

    public DirectoryGroup? Group(string? id) => _groups.FirstOrDefault(g => g.Id.Equals(id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The resource service principal behind a token resource URI (Graph or the two Exchange hosts), or null.</summary>
    public ServicePrincipal? Resource(string resourceUri) => resourceUri.TrimEnd('/').ToLowerInvariant() switch
    {
        WellKnown.GraphResource or WellKnown.GraphAppId => Graph,
        LabTokenIssuer.DelegatedAudience or LabTokenIssuer.AppAudience or WellKnown.ExchangeAppId => Exchange,
        _ => null,
    };

    // ---------------------------------------------------------------- what sign-in asks

    public enum SecretCheck { Valid, Unknown, Expired }

    /// <summary>Unknown (also the Secret ID pasted, or a removed secret) or expired, as Entra tells them apart.</summary>
    public SecretCheck CheckSecret(TenantApplication app, string secret)
    {
        var match = app.Secrets.FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(s.Value), System.Text.Encoding.UTF8.GetBytes(secret)));
        if (match is null) return SecretCheck.Unknown;
        return match.EndDateTime <= Now ? SecretCheck.Expired : SecretCheck.Valid;
    }

    /// <summary>The delegated scopes of <paramref name="names"/> on <paramref name="resource"/> that no grant covers for this user.</summary>
    public IReadOnlyList<string> MissingConsent(TenantApplication client, string userId, ServicePrincipal resource, IEnumerable<string> names)
    {
        var sp = ServicePrincipal(client.AppId);
        if (sp is null) return names.ToList();
        var granted = _grants.Where(g => g.ClientId == sp.Id
                                         && (g.ConsentType == "AllPrincipals" || string.Equals(g.PrincipalId, userId, StringComparison.OrdinalIgnoreCase)))
            .Where(g => g.ResourceId == resource.Id || (resource == Exchange && g.ResourceId == Graph.Id))
            .SelectMany(g => g.ResourceId == resource.Id ? g.ScopeNames : g.ScopeNames.Where(WellKnown.MailScopes.Contains))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return names.Where(n => !granted.Contains(n)).ToList();
    }

    /// <summary>True when the app does not require assignment, or the user (directly or through a group) is assigned.</summary>
    public bool IsAssigned(TenantApplication client, string userId)
    {
        var sp = ServicePrincipal(client.AppId);
        if (sp is null || !sp.AppRoleAssignmentRequired) return true;
        var groups = _groups.Where(g => g.MemberIds.Contains(userId, StringComparer.OrdinalIgnoreCase)).Select(g => g.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return _assignments.Any(a => a.ResourceId == sp.Id && (a.PrincipalId.Equals(userId, StringComparison.OrdinalIgnoreCase) || groups.Contains(a.PrincipalId)));
    }

    /// <summary>Values of the app roles the client's service principal holds on <paramref name="resource"/> (the token's <c>roles</c>).</summary>
    public IReadOnlyList<string> GrantedAppRoles(TenantApplication client, ServicePrincipal resource)
    {
        var sp = ServicePrincipal(client.AppId);
        if (sp is null) return [];
        var ids = _assignments.Where(a => a.PrincipalId == sp.Id && a.ResourceId == resource.Id).Select(a => a.AppRoleId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return resource.AppRoles.Where(r => ids.Contains(r.Id)).Select(r => r.Value).ToList();
    }

    ServicePrincipal AddFirstParty(string appId, string name, IEnumerable<(string Value, string Id, string Type)> scopes, IEnumerable<(string Value, string Id)> roles)
    {
        var app = new TenantApplication(NewId(), appId, Now, GraphShapes.NewApplication(name));
        var sp = AddServicePrincipal(app, WellKnown.MicrosoftTenantId);
        sp.Properties["oauth2PermissionScopes"] = new JsonArray(scopes.Select(s => (JsonNode)GraphShapes.PermissionScope(s.Value, s.Id, s.Type)).ToArray());
        sp.Properties["appRoles"] = new JsonArray(roles.Select(r => (JsonNode)GraphShapes.AppRole(r.Value, r.Id)).ToArray());
        sp.Properties["servicePrincipalNames"] = new JsonArray(appId, appId == WellKnown.GraphAppId ? WellKnown.GraphResource : LabTokenIssuer.AppAudience);
        return sp;
    }
}
