using System.Text.Json.Nodes;
using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using static OutlookOAuth.Graph.GraphJson;

namespace OutlookOAuth.Graph;

/// <summary>Test-OutlookTenant: reads the tenant through Graph and compares it with the configuration, one
/// <see cref="ConfigurationFinding"/> per problem with its fix. Changes nothing. What only Exchange Online PowerShell can
/// see is one Info finding listing the commands to run.</summary>
public sealed class TenantChecker
{
    readonly IGraphTransport _graph;
    readonly TimeProvider _clock;

    public TenantChecker(IGraphTransport graph, TimeProvider? clock = null)
    {
        _graph = graph;
        _clock = clock ?? TimeProvider.System;
    }

    public int ExpiryWarningDays { get; init; } = 30;
    /// <summary>Check the app-only roles even if the application asks for none.</summary>
    public bool AppOnly { get; init; }

    public async Task<IReadOnlyList<ConfigurationFinding>> CheckAsync(OutlookConfiguration config, CancellationToken ct)
    {
        var findings = new List<ConfigurationFinding>();
        void Add(string id, FindingSeverity s, FindingTargetType t, string? target, string message, string fix) => findings.Add(new(id, s, t, target, message, fix));
        const FindingTargetType App = FindingTargetType.Application;
        var appId = config.Application.ClientId;
        var registrar = new ApplicationRegistrar(_graph);
        var app = appId is null ? null : await registrar.FindApplicationAsync(appId, null, ct).ConfigureAwait(false);
        if (app is null)
        {
            Add(TenantRules.ApplicationMissing, FindingSeverity.Error, App, appId,
                appId is null ? "No application is configured, so nobody can connect." : $"The application {appId} does not exist in this tenant: every sign-in fails (AADSTS700016).",
                "Register-OutlookApplication -GrantAdminConsent (it creates it and stores its id and secret).");
            return Sorted(findings);
        }
        var sp = await registrar.FindServicePrincipalAsync(appId!, ct).ConfigureAwait(false);
        if (sp is null || Bool(sp, "accountEnabled") == false)
            Add(TenantRules.ApplicationDisabled, FindingSeverity.Error, App, appId,
                sp is null ? $"The application {appId} has no enterprise application (service principal) in this tenant: nobody of it can sign in."
                           : $"The enterprise application of {appId} is disabled (Enabled for users to sign in? = No): every sign-in fails.",
                sp is null ? "Run Register-OutlookApplication again (it creates the service principal)." : "Enable it: Enterprise applications > Properties > Enabled for users to sign in = Yes.");

        // OOT003: Odoo's redirect URI.
        var baseUrl = config.GetParameter(SystemParameters.WebBaseUrl);
        var uris = Strings(app["web"], "redirectUris").ToList();
        if (baseUrl is { Length: > 0 })
        {
            string? expected = null;
            try { expected = RegistrationRequest.ConfirmUri(baseUrl); } catch (OutlookOAuthException) { }
            if (expected is not null && !uris.Contains(expected, StringComparer.Ordinal))
                Add(TenantRules.RedirectUriMismatch, FindingSeverity.Error, App, appId,
                    $"The Web redirect URIs ({(uris.Count == 0 ? "none" : string.Join(", ", uris))}) do not include {expected} (web.base.url + {RegistrationRequest.ConfirmPath}): Odoo's sign-in fails with AADSTS50011.",
                    "Run Register-OutlookApplication again (it adds the missing redirect URI), or add it under Authentication > Web.");
        }

        // OOT004 / OOT005: the delegated permissions, asked for and consented, on Graph or on Exchange Online.
        var asked = Items(app, "requiredResourceAccess").SelectMany(r => Items(r, "resourceAccess").Select(a => (App: Str(r, "resourceAppId"), Id: Str(a, "id"))))
            .Where(a => a.Id is not null).Select(a => a.Id!.ToLowerInvariant()).ToHashSet();
        var exchangeDelegated = new Dictionary<string, string> { ["SMTP.Send"] = "76faac2a", ["IMAP.AccessAsUser.All"] = "195adc35" };
        var missing = GraphIds.DelegatedPermissions.Where(p => !asked.Contains(p.Id)
            && !(exchangeDelegated.TryGetValue(p.Name, out var prefix) && asked.Any(a => a.StartsWith(prefix, StringComparison.Ordinal)))).Select(p => p.Name).ToList();
        if (missing.Count > 0)
            Add(TenantRules.PermissionMissing, FindingSeverity.Error, App, appId,
                $"The application does not ask for {string.Join(", ", missing)} (API permissions): tokens for them cannot be had (AADSTS65001 / 70011).",
                "Run Register-OutlookApplication again (it adds the missing permissions), or add them under API permissions > Microsoft Graph > Delegated.");
        if (sp is not null)
        {
            var spId = Str(sp, "id")!;
            var grants = Items(await _graph.SendAsync(HttpMethod.Get, $"oauth2PermissionGrants?$filter=clientId eq {Literal(spId)}", null, "read the consents", ct).ConfigureAwait(false))
                .Where(g => string.Equals(Str(g, "consentType"), "AllPrincipals", StringComparison.OrdinalIgnoreCase));
            var consented = grants.SelectMany(g => (Str(g, "scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var notConsented = new[] { "SMTP.Send", "IMAP.AccessAsUser.All", "offline_access" }.Where(s => !consented.Contains(s)).ToList();
            if (notConsented.Count > 0)
                Add(TenantRules.PermissionNotConsented, FindingSeverity.Warning, App, appId,
                    $"No admin consent covers {string.Join(", ", notConsented)} (on Microsoft Graph or Office 365 Exchange Online): each user must consent at the first sign-in, and where user consent is off the sign-in fails with AADSTS65001.",
                    "Register-OutlookApplication -GrantAdminConsent (or API permissions > Grant admin consent).");

            // OOT006: assignment required and a configured username not assigned (directly or through a group).
            if (Bool(sp, "appRoleAssignmentRequired") == true)
            {
                var assignments = Items(await _graph.SendAsync(HttpMethod.Get, $"servicePrincipals/{Segment(spId)}/appRoleAssignedTo?$select=principalId,principalType&$top=999", null, "read the assignments", ct).ConfigureAwait(false)).ToList();
                var assigned = assignments.Select(a => Str(a, "principalId")).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
                var groups = assignments.Where(a => string.Equals(Str(a, "principalType"), "Group", StringComparison.OrdinalIgnoreCase)).Select(a => Str(a, "principalId")).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
                var lookup = new ApplicationAssignments(_graph, spId, true, assigned);
                foreach (var server in config.AllServers.Where(s => s.UsesOutlookOAuth && !string.IsNullOrWhiteSpace(s.Username))
                             .GroupBy(s => s.Username!.Trim(), StringComparer.OrdinalIgnoreCase).Select(g => g.First()))
                {
                    string? userId;
                    try { userId = (await lookup.FindUserAsync(server.Username!, ct).ConfigureAwait(false)).Id; }
                    catch (OutlookOAuthException e) when (e.ErrorId == "UserNotFound") { userId = null; }
                    if (userId is not null && assigned.Contains(userId)) continue;
                    if (userId is not null && groups.Count > 0)
                    {
                        var member = Items(await _graph.SendAsync(HttpMethod.Get, $"users/{Segment(userId)}/transitiveMemberOf?$select=id", null, "read the user's groups", ct).ConfigureAwait(false))
                            .Any(g => Str(g, "id") is { } gid && groups.Contains(gid));
                        if (member) continue;
                    }
                    Add(TenantRules.UserNotAssigned, FindingSeverity.Error,
                        server.Direction == MailServerDirection.Outgoing ? FindingTargetType.OutgoingServer : FindingTargetType.IncomingServer, server.Name,
                        userId is null ? $"'{server.Username}' of '{server.Name}' is no user of this tenant, and the application requires assignment: its sign-in fails."
                                       : $"'{server.Username}' of '{server.Name}' is not assigned to the application, which requires assignment: its sign-in fails with AADSTS50105.",
                        $"Get-OutlookMailServer -Name '{server.Name}' | Add-OutlookApplicationAssignment");
                }
            }

            // OOT010: app-only roles on Exchange Online.
            var wantsAppOnly = AppOnly || Items(app, "requiredResourceAccess").Any(r => string.Equals(Str(r, "resourceAppId"), GraphIds.ExchangeOnlineAppId, StringComparison.OrdinalIgnoreCase)
                                                                     && Items(r, "resourceAccess").Any(a => string.Equals(Str(a, "type"), "Role", StringComparison.OrdinalIgnoreCase)));
            if (wantsAppOnly)
            {
                var roles = Items(await _graph.SendAsync(HttpMethod.Get, $"servicePrincipals/{Segment(spId)}/appRoleAssignments", null, "read the application's roles", ct).ConfigureAwait(false))
                    .Select(a => Str(a, "appRoleId")?.ToLowerInvariant()).ToHashSet();
                var lacking = GraphIds.AppOnlyPermissions.Where(p => !roles.Contains(p.Id)).Select(p => p.Name).ToList();
                if (lacking.Count > 0)
                    Add(TenantRules.AppOnlyRoleMissing, FindingSeverity.Error, App, appId,
                        $"The application permissions {string.Join(", ", lacking)} (Office 365 Exchange Online) are not granted: app-only SMTP/IMAP fails with 535 5.7.3 / NO AUTHENTICATE failed.",
                        "Register-OutlookApplication -AppOnly (it adds and consents them), then run the Exchange Online commands it outputs.");
                Add(TenantRules.ExchangeOnlyChecks, FindingSeverity.Info, FindingTargetType.Tenant, appId,
                    "Graph cannot see Exchange's service principal or the mailbox permissions of app-only mail; check them in Exchange Online PowerShell.",
                    string.Join("; ", ExchangeOnlineCommands.ForAppOnly(appId!, spId, Str(app, "displayName") ?? "OutlookOAuth",
                        config.AllServers.Select(s => s.Username ?? ""))));
            }
        }

        // OOT007 / OOT008: the secret.
        var now = _clock.GetUtcNow();
        var creds = Items(app, "passwordCredentials").ToList();
        var keyId = config.Application.SecretKeyId;
        var mine = keyId is null ? creds : creds.Where(c => string.Equals(Str(c, "keyId"), keyId, StringComparison.OrdinalIgnoreCase)).ToList();
        var latest = mine.Select(c => Date(c, "endDateTime")).OfType<DateTimeOffset>().DefaultIfEmpty().Max();
        if (keyId is not null && mine.Count == 0)
            Add(TenantRules.SecretExpired, FindingSeverity.Error, App, appId,
                $"The stored client secret (keyId {keyId}) is no longer on the application: every sign-in and refresh fails with AADSTS7000215.",
                "Update-OutlookApplicationSecret (a new secret, proved and stored).");
        else if (latest != default && latest <= now)
            Add(TenantRules.SecretExpired, FindingSeverity.Error, App, appId,
                $"The client secret expired on {latest:yyyy-MM-dd}: every sign-in and refresh fails with AADSTS7000222.", "Update-OutlookApplicationSecret.");
        else if (latest != default && latest <= now.AddDays(ExpiryWarningDays))
            Add(TenantRules.SecretExpiring, FindingSeverity.Warning, App, appId,
                $"The client secret expires on {latest:yyyy-MM-dd} ({(int)(latest - now).TotalDays} days): then all mail stops.", "Update-OutlookApplicationSecret before then.");

        // OOT009: security defaults turn SMTP AUTH off.
        try
        {
            var policy = await _graph.SendAsync(HttpMethod.Get, "policies/identitySecurityDefaultsEnforcementPolicy", null, "read security defaults", ct).ConfigureAwait(false);
            if (Bool(policy, "isEnabled") == true)
                Add(TenantRules.SecurityDefaultsOn, FindingSeverity.Warning, FindingTargetType.Tenant, null,
                    "Security defaults are on: they turn SMTP AUTH off for the tenant, so SMTP with OAuth is refused (535 5.7.139).",
                    "Turn security defaults off and use Conditional Access instead (Entra ID > Properties > Manage security defaults), then allow SMTP AUTH for the sending mailboxes (Set-CASMailbox -SmtpClientAuthenticationDisabled $false).");
        }
        catch (GraphException e) when (e.StatusCode is 403 or 404) { }
        return Sorted(findings);
    }

    static IReadOnlyList<ConfigurationFinding> Sorted(List<ConfigurationFinding> f) => f.OrderBy(x => x.RuleId, StringComparer.Ordinal).ToList();
}
