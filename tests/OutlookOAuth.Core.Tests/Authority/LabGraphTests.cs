using System.Net;
using System.Text.Json.Nodes;
using OutlookOAuth.TestAuthority;
using OutlookOAuth.TestAuthority.Tenant;
using Xunit;
using Xunit.Abstractions;
using static OutlookOAuth.Tests.Authority.LabGraph;

namespace OutlookOAuth.Tests.Authority;

/// <summary>The lab tenant's Microsoft Graph v1.0: shapes of requests, answers and errors, over HTTP.</summary>
public sealed class LabGraphTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AdminToken_IsAGraphV1TokenWithScopesAndRoles()
    {
        await using var lab = await Lab.StartAsync(output);
        var (_, p) = LabTokenIssuer.Decode(await TokenAsync(lab));
        Assert.Equal(WellKnown.GraphAppId, p["aud"]!.ToString());
        Assert.Equal(WellKnown.GraphCommandLineToolsAppId, p["appid"]!.ToString());
        Assert.Null(p["azp"]);
        Assert.Equal("1.0", p["ver"]!.ToString());
        Assert.Equal(Admin, p["upn"]!.ToString());
        var scp = p["scp"]!.ToString().Split(' ');
        Assert.Contains("Application.ReadWrite.All", scp);
        Assert.Contains("DelegatedPermissionGrant.ReadWrite.All", scp);
        Assert.Contains(WellKnown.GlobalAdministratorRole, p["wids"]!.AsArray().Select(x => x!.ToString()));
    }

    [Fact]
    public async Task Register_Application_ServicePrincipal_Grant_Password_ShapedAsGraph()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var created = await PostAsync(lab, token, "v1.0/applications", new JsonObject
        {
            ["displayName"] = "Odoo mail",
            ["signInAudience"] = "AzureADMultipleOrgs",
            ["web"] = new JsonObject { ["redirectUris"] = new JsonArray("https://odoo.example.com/microsoft_outlook/confirm") },
        });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var app = created.Body!;
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#applications/$entity", app["@odata.context"]!.ToString());
        Assert.True(Guid.TryParse(app["id"]!.ToString(), out _));
        Assert.True(Guid.TryParse(app["appId"]!.ToString(), out _));
        Assert.Equal("https://odoo.example.com/microsoft_outlook/confirm", app["web"]!["redirectUris"]![0]!.ToString());
        Assert.Empty(app["passwordCredentials"]!.AsArray());
        Assert.Null(app["api"]!["requestedAccessTokenVersion"]);
        Assert.NotNull(app["web"]!["implicitGrantSettings"]);
        var id = app["id"]!.ToString();
        var appId = app["appId"]!.ToString();

        var password = await PostAsync(lab, token, $"v1.0/applications/{id}/addPassword",
            new JsonObject { ["passwordCredential"] = new JsonObject { ["displayName"] = "rotation 1", ["endDateTime"] = "2027-06-01T00:00:00Z" } });
        Assert.Equal(HttpStatusCode.OK, password.Status);
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#microsoft.graph.passwordCredential", password.Body!["@odata.context"]!.ToString());
        var secret = password.Body["secretText"]!.ToString();
        Assert.Equal(40, secret.Length);
        Assert.Equal(secret[..3], password.Body["hint"]!.ToString());
        Assert.Equal("2027-06-01T00:00:00Z", password.Body["endDateTime"]!.ToString());
        Assert.Equal("rotation 1", password.Body["displayName"]!.ToString());
        var keyId = password.Body["keyId"]!.ToString();

        var read = await GetAsync(lab, token, $"v1.0/applications(appId='{appId}')?$select=id,web,passwordCredentials");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#applications(id,web,passwordCredentials)/$entity", read.Body!["@odata.context"]!.ToString());
        Assert.Equal(["@odata.context", "id", "web", "passwordCredentials"], read.Body.Select(kv => kv.Key).ToArray());
        var listed = read.Body["passwordCredentials"]![0]!;
        Assert.Equal(keyId, listed["keyId"]!.ToString());
        Assert.Null(listed["secretText"]);
        Assert.Equal(secret[..3], listed["hint"]!.ToString());

        var byName = await GetAsync(lab, token, "v1.0/applications?$filter=displayName eq 'Odoo mail'&$select=id,appId");
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#applications(id,appId)", byName.Body!["@odata.context"]!.ToString());
        Assert.Equal(appId, Assert.Single(byName.Body["value"]!.AsArray())!["appId"]!.ToString());
        var byAppId = await GetAsync(lab, token, $"v1.0/applications?$filter=appId eq '{appId}'");
        Assert.Equal(id, Assert.Single(byAppId.Body!["value"]!.AsArray())!["id"]!.ToString());
        Assert.Empty((await GetAsync(lab, token, "v1.0/applications?$filter=displayName eq 'nothing'")).Body!["value"]!.AsArray());

        // Paging: $top pages, @odata.nextLink (absolute, same root) until the last page.
        var seen = new List<string>();
        var next = "v1.0/applications?$top=1&$select=appId";
        while (next is not null)
        {
            var page = await GetAsync(lab, token, next);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            seen.AddRange(page.Body!["value"]!.AsArray().Select(a => a!["appId"]!.ToString()));
            next = page.Body["@odata.nextLink"]?.ToString() is { } link ? link[lab.GraphRoot.Length..] : null;
        }
        Assert.Equal([lab.ClientId, appId], seen);

        var patch = await PatchAsync(lab, token, $"v1.0/applications/{id}", new JsonObject
        {
            ["web"] = new JsonObject { ["redirectUris"] = new JsonArray("https://mail.example.com/microsoft_outlook/confirm") },
        });
        Assert.Equal(HttpStatusCode.NoContent, patch.Status);
        var afterPatch = await GetAsync(lab, token, $"v1.0/applications/{id}");
        Assert.Equal("https://mail.example.com/microsoft_outlook/confirm", afterPatch.Body!["web"]!["redirectUris"]![0]!.ToString());
        Assert.False(afterPatch.Body["web"]!["implicitGrantSettings"]!["enableIdTokenIssuance"]!.GetValue<bool>()); // complex values merge

        var sp = await PostAsync(lab, token, "v1.0/servicePrincipals", new JsonObject { ["appId"] = appId });
        Assert.Equal(HttpStatusCode.Created, sp.Status);
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#servicePrincipals/$entity", sp.Body!["@odata.context"]!.ToString());
        Assert.False(sp.Body["appRoleAssignmentRequired"]!.GetValue<bool>());
        Assert.Equal("Odoo mail", sp.Body["displayName"]!.ToString());
        Assert.Equal(lab.TenantId, sp.Body["appOwnerOrganizationId"]!.ToString());
        var spId = sp.Body["id"]!.ToString();
        Assert.Equal("Request_MultipleObjectsWithSameKeyValue",
            ErrorCode(await PostAsync(lab, token, "v1.0/servicePrincipals", new JsonObject { ["appId"] = appId }), HttpStatusCode.Conflict));

        var graph = await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{WellKnown.GraphAppId}')");
        Assert.Equal("Microsoft Graph", graph.Body!["displayName"]!.ToString());
        var scopes = graph.Body["oauth2PermissionScopes"]!.AsArray().ToDictionary(s => s!["value"]!.ToString(), s => s!["id"]!.ToString());
        Assert.Equal("e1fe6dd8-ba31-4d61-89e7-88639da4683d", scopes["User.Read"]);
        Assert.Equal("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", scopes["offline_access"]);
        Assert.Equal("258f6531-6087-4cc4-bb90-092c5fb3ed3f", scopes["SMTP.Send"]);
        Assert.Equal("652390e4-393a-48de-9484-05f9b1212954", scopes["IMAP.AccessAsUser.All"]);
        var exchange = await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{WellKnown.ExchangeAppId}')?$select=id,appRoles,oauth2PermissionScopes");
        var roles = exchange.Body!["appRoles"]!.AsArray().ToDictionary(s => s!["value"]!.ToString(), s => s!["id"]!.ToString());
        Assert.Equal("7146a1f0-8703-45b3-9eae-527a64c00995", roles["SMTP.SendAsApp"]);
        Assert.Equal("5e5addcd-3e8d-4e90-baf5-964efab2b20a", roles["IMAP.AccessAsApp"]);
        Assert.Contains(exchange.Body["oauth2PermissionScopes"]!.AsArray(), s => s!["value"]!.ToString() == "SMTP.Send");

        var grant = await PostAsync(lab, token, "v1.0/oauth2PermissionGrants", new JsonObject
        {
            ["clientId"] = spId, ["consentType"] = "AllPrincipals", ["resourceId"] = graph.Body["id"]!.ToString(), ["scope"] = "User.Read SMTP.Send",
        });
        Assert.Equal(HttpStatusCode.Created, grant.Status);
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#oauth2PermissionGrants/$entity", grant.Body!["@odata.context"]!.ToString());
        Assert.Null(grant.Body["principalId"]);
        var grantId = grant.Body["id"]!.ToString();
        Assert.Equal(HttpStatusCode.NoContent,
            (await PatchAsync(lab, token, $"v1.0/oauth2PermissionGrants/{grantId}", new JsonObject { ["scope"] = "User.Read SMTP.Send IMAP.AccessAsUser.All offline_access" })).Status);
        var grants = await GetAsync(lab, token, $"v1.0/oauth2PermissionGrants?$filter=clientId eq '{spId}'");
        Assert.Equal("User.Read SMTP.Send IMAP.AccessAsUser.All offline_access", Assert.Single(grants.Body!["value"]!.AsArray())!["scope"]!.ToString());
        Assert.Equal("Request_MultipleObjectsWithSameKeyValue", ErrorCode(await PostAsync(lab, token, "v1.0/oauth2PermissionGrants", new JsonObject
        {
            ["clientId"] = spId, ["consentType"] = "AllPrincipals", ["resourceId"] = graph.Body["id"]!.ToString(), ["scope"] = "User.Read",
        }), HttpStatusCode.Conflict));

        Assert.Equal(HttpStatusCode.NoContent,
            (await PostAsync(lab, token, $"v1.0/applications/{id}/removePassword", new JsonObject { ["keyId"] = keyId })).Status);
        Assert.Empty((await GetAsync(lab, token, $"v1.0/applications/{id}?$select=passwordCredentials")).Body!["passwordCredentials"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await LabGraph.CallAsync(lab, token, HttpMethod.Delete, $"v1.0/applications/{id}")).Status);
        Assert.Equal("Request_ResourceNotFound", ErrorCode(await GetAsync(lab, token, $"v1.0/servicePrincipals/{spId}"), HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Assignments_Users_Groups_Policy()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, _, spId, _, _) = await RegisterAsync(lab, token, "Assigned", "https://odoo.example.com/microsoft_outlook/confirm");
        Assert.Equal(HttpStatusCode.NoContent,
            (await PatchAsync(lab, token, $"v1.0/servicePrincipals/{spId}", new JsonObject { ["appRoleAssignmentRequired"] = true })).Status);
        Assert.True((await GetAsync(lab, token, $"v1.0/servicePrincipals/{spId}?$select=appRoleAssignmentRequired")).Body!["appRoleAssignmentRequired"]!.GetValue<bool>());

        var alice = await GetAsync(lab, token, $"v1.0/users/{Lab.Alice}");
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#users/$entity", alice.Body!["@odata.context"]!.ToString());
        Assert.Equal(lab.ObjectId(Lab.Alice), alice.Body["id"]!.ToString());
        Assert.Equal(Lab.Alice, alice.Body["userPrincipalName"]!.ToString());
        Assert.Equal("Request_ResourceNotFound", ErrorCode(await GetAsync(lab, token, "v1.0/users/mallory@example.com"), HttpStatusCode.NotFound));

        var groups = await GetAsync(lab, token, $"v1.0/groups?$filter=displayName eq '{LabTenant.LabGroupName}'");
        var group = Assert.Single(groups.Body!["value"]!.AsArray())!;
        var members = await GetAsync(lab, token, $"v1.0/groups/{group["id"]}/members");
        Assert.Equal([Lab.Alice, Lab.Bob], members.Body!["value"]!.AsArray().Select(m => m!["userPrincipalName"]!.ToString()).Order().ToArray());

        var assignment = await PostAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = group["id"]!.ToString(), ["resourceId"] = spId, ["appRoleId"] = WellKnown.DefaultAccessRoleId,
        });
        Assert.Equal(HttpStatusCode.Created, assignment.Status);
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#servicePrincipals('{spId}')/appRoleAssignedTo/$entity", assignment.Body!["@odata.context"]!.ToString());
        Assert.Equal("Group", assignment.Body["principalType"]!.ToString());
        Assert.Equal(LabTenant.LabGroupName, assignment.Body["principalDisplayName"]!.ToString());
        Assert.Equal("Request_BadRequest", ErrorCode(await PostAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = group["id"]!.ToString(), ["resourceId"] = spId, ["appRoleId"] = WellKnown.DefaultAccessRoleId,
        }), HttpStatusCode.BadRequest));
        var listed = await GetAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo");
        var assignmentId = Assert.Single(listed.Body!["value"]!.AsArray())!["id"]!.ToString();
        Assert.Equal(HttpStatusCode.NoContent,
            (await LabGraph.CallAsync(lab, token, HttpMethod.Delete, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo/{assignmentId}")).Status);
        Assert.Empty((await GetAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo")).Body!["value"]!.AsArray());

        var policy = await GetAsync(lab, token, "v1.0/policies/identitySecurityDefaultsEnforcementPolicy");
        Assert.Equal($"{lab.GraphRoot}v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity", policy.Body!["@odata.context"]!.ToString());
        Assert.False(policy.Body["isEnabled"]!.GetValue<bool>());
        var (status, _) = await Lab.PostAsync(lab, "/_lab/graph/security-defaults", new Dictionary<string, string> { ["enabled"] = "true" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((await GetAsync(lab, token, "v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).Body!["isEnabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Errors_AreGraphShaped_401_403_404_400_405_429()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        Assert.Equal("InvalidAuthenticationToken", ErrorCode(await LabGraph.CallAsync(lab, null, HttpMethod.Get, "v1.0/applications"), HttpStatusCode.Unauthorized));
        var outlookToken = lab.TokenIssuer.Mint(Admin, [Lab.Smtp]);
        Assert.Equal("InvalidAuthenticationToken", ErrorCode(await GetAsync(lab, outlookToken, "v1.0/applications"), HttpStatusCode.Unauthorized));
        var expired = lab.TokenIssuer.Mint(Admin, ["https://graph.microsoft.com/Application.ReadWrite.All"], TimeSpan.FromMinutes(-5), p => p["aud"] = WellKnown.GraphAppId);
        Assert.Equal("InvalidAuthenticationToken", ErrorCode(await GetAsync(lab, expired, "v1.0/applications"), HttpStatusCode.Unauthorized));

        var aliceToken = await TokenAsync(lab, Lab.Alice);
        var denied = await GetAsync(lab, aliceToken, "v1.0/applications");
        Assert.Equal("Authorization_RequestDenied", ErrorCode(denied, HttpStatusCode.Forbidden));
        Assert.Equal("Insufficient privileges to complete the operation.", denied.Body!["error"]!["message"]!.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(lab, aliceToken, "v1.0/applications", new JsonObject { ["displayName"] = "x" })).Status);
        Assert.Equal(Lab.Alice, (await GetAsync(lab, aliceToken, "v1.0/me")).Body!["userPrincipalName"]!.ToString());

        var missing = await GetAsync(lab, token, $"v1.0/applications/{Guid.NewGuid()}");
        Assert.Equal("Request_ResourceNotFound", ErrorCode(missing, HttpStatusCode.NotFound));
        Assert.Equal("Request_ResourceNotFound", ErrorCode(await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{Guid.NewGuid()}')"), HttpStatusCode.NotFound));

        var personal = await PostAsync(lab, token, "v1.0/applications", new JsonObject { ["displayName"] = "p", ["signInAudience"] = "AzureADandPersonalMicrosoftAccount" });
        Assert.Equal("Request_BadRequest", ErrorCode(personal, HttpStatusCode.BadRequest));
        Assert.Equal("Property api.requestedAccessTokenVersion is invalid.", personal.Body!["error"]!["message"]!.ToString());
        Assert.Equal("Request_BadRequest", ErrorCode(await PostAsync(lab, token, "v1.0/applications", new JsonObject { ["displayName"] = "p", ["signInAudience"] = "Everyone" }), HttpStatusCode.BadRequest));
        Assert.Equal("Request_BadRequest", ErrorCode(await PostAsync(lab, token, "v1.0/applications", new JsonObject { ["displayNme"] = "typo" }), HttpStatusCode.BadRequest));
        Assert.Equal("Request_BadRequest", ErrorCode(await PostAsync(lab, token, "v1.0/applications",
            new JsonObject { ["displayName"] = "p", ["web"] = new JsonObject { ["redirectUris"] = new JsonArray("http://odoo.example.com/confirm") } }), HttpStatusCode.BadRequest));
        Assert.Equal("Request_UnsupportedQuery", ErrorCode(await GetAsync(lab, token, "v1.0/applications?$filter=notes eq 'x'"), HttpStatusCode.BadRequest));
        Assert.Equal("BadRequest", ErrorCode(await GetAsync(lab, token, "v1.0/applications?$select=nope"), HttpStatusCode.BadRequest));
        Assert.Equal("BadRequest", ErrorCode(await LabGraph.CallAsync(lab, token, HttpMethod.Post, "v1.0/applications"), HttpStatusCode.BadRequest));
        Assert.Equal("Request_BadRequest", ErrorCode(await LabGraph.CallAsync(lab, token, HttpMethod.Put, "v1.0/applications"), HttpStatusCode.MethodNotAllowed));

        lab.ThrottleGraph(2);
        var first = await GetAsync(lab, token, "v1.0/applications");
        Assert.Equal("TooManyRequests", ErrorCode(first, (HttpStatusCode)429));
        Assert.Equal(TimeSpan.FromSeconds(1), first.Headers.RetryAfter!.Delta);
        Assert.Equal((HttpStatusCode)429, (await GetAsync(lab, token, "v1.0/applications")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(lab, token, "v1.0/applications")).Status);
        var (status, _) = await Lab.PostAsync(lab, "/_lab/graph/throttle", new Dictionary<string, string> { ["count"] = "1", ["status"] = "503", ["retry_after"] = "2" });
        Assert.Equal(HttpStatusCode.OK, status);
        var unavailable = await GetAsync(lab, token, "v1.0/applications");
        Assert.Equal("serviceNotAvailable", ErrorCode(unavailable, HttpStatusCode.ServiceUnavailable));
        Assert.Equal(TimeSpan.FromSeconds(2), unavailable.Headers.RetryAfter!.Delta);
    }
}
