using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Identity.Client;
using OutlookOAuth.TestAuthority;
using OutlookOAuth.TestAuthority.Tenant;
using Xunit;
using Xunit.Abstractions;
using static OutlookOAuth.Tests.Authority.LabGraph;

namespace OutlookOAuth.Tests.Authority;

/// <summary>Sign-in against the lab tenant's state: apps registered through Graph, and each refusal Entra makes.</summary>
public sealed class LabTenantSignInTests(ITestOutputHelper output)
{
    const string Confirm = "https://odoo.example.com/microsoft_outlook/confirm";
    const string MailScopes = "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access openid profile";

    static IConfidentialClientApplication Msal(LabAuthority lab, string appId, string secret) =>
        ConfidentialClientApplicationBuilder.Create(appId).WithClientSecret(secret).WithRedirectUri(Confirm)
            .WithAuthority(lab.Authority).WithInstanceDiscovery(false).WithHttpClientFactory(new LabHttpClientFactory(lab.CaCertificate!)).Build();

    [Fact]
    public async Task AdminSignsIntoGraph_WithMsalDeviceCode_AsGraphCommandLineTools()
    {
        await using var lab = await Lab.StartAsync(output);
        var app = PublicClientApplicationBuilder.Create(WellKnown.GraphCommandLineToolsAppId).WithAuthority(lab.Authority)
            .WithInstanceDiscovery(false).WithHttpClientFactory(new LabHttpClientFactory(lab.CaCertificate!)).Build();
        Task? approval = null;
        var result = await app.AcquireTokenWithDeviceCode(AdminScopes, dcr =>
        {
            approval = Task.Run(async () =>
            {
                using var browser = Lab.Browser(lab);
                (await browser.PostAsync(dcr.VerificationUrl, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["user_code"] = dcr.UserCode, ["username"] = Admin, ["password"] = lab.Password,
                }))).EnsureSuccessStatusCode();
            });
            return Task.CompletedTask;
        }).ExecuteAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await approval!;
        Assert.Equal(Admin, result.Account.Username);
        var apps = await GetAsync(lab, result.AccessToken, "v1.0/applications?$select=appId,displayName");
        Assert.Equal(HttpStatusCode.OK, apps.Status);
        Assert.Contains(apps.Body!["value"]!.AsArray(), a => a!["appId"]!.ToString() == lab.ClientId);
    }

    [Fact]
    public async Task RegisteredApp_SignsInWithItsOwnSecretRedirectAndConsent_OnGraphsMailScopes()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, appId, _, secret, _) = await RegisterAsync(lab, token, "Odoo", Confirm);

        var msal = Msal(lab, appId, secret);
        string[] scopes = [Lab.Smtp, Lab.Imap];
        var url = await msal.GetAuthorizationRequestUrl(scopes).WithPkce(out var verifier).ExecuteAsync();
        var location = await Lab.SignInAsync(lab, url, Lab.Alice, lab.Password);
        Assert.StartsWith(Confirm + "?", location.ToString());
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        var result = await msal.AcquireTokenByAuthorizationCode(scopes, code).WithPkceCodeVerifier(verifier).ExecuteAsync();
        var (_, p) = LabTokenIssuer.Decode(result.AccessToken);
        Assert.Equal(appId, p["appid"]!.ToString());
        Assert.Null(p["azp"]); // Dovecot then checks the token with the lab's default key
        Assert.Equal(LabTokenIssuer.DelegatedAudience, p["aud"]!.ToString());
        Assert.Equal(["IMAP.AccessAsUser.All", "SMTP.Send"], Lab.ScopeSet(p["scope"]!.ToString()));
        var silent = await msal.AcquireTokenSilent(scopes, result.Account).WithForceRefresh(true).ExecuteAsync();
        Assert.Equal(appId, LabTokenIssuer.Decode(silent.AccessToken).Payload["appid"]!.ToString());
    }

    [Fact]
    public async Task RedirectUriNotRegistered_IsAADSTS50011_OnTheSignInPage()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, appId, _, _, _) = await RegisterAsync(lab, token, "Odoo", Confirm);
        using var browser = Lab.Browser(lab);
        var url = QueryHelpers.AddQueryString(lab.AuthorizeEndpoint, new Dictionary<string, string?>
        {
            ["client_id"] = appId, ["response_type"] = "code", ["redirect_uri"] = "https://odoo.example.com/other", ["scope"] = MailScopes,
        });
        using var page = await browser.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Null(page.Headers.Location);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("AADSTS50011: The redirect URI &#39;https://odoo.example.com/other&#39; specified in the request does not match", html);
        Assert.Contains(appId, html);
    }

    [Fact]
    public async Task NoConsent_IsAADSTS65001_AtSignInAndOnRefresh()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, appId, spId, secret, _) = await RegisterAsync(lab, token, "Odoo", Confirm, consent: false);
        var (status, body) = await SignInAsync(lab, appId, Confirm, Lab.Alice, MailScopes, secret);
        Assert.Equal(HttpStatusCode.Found, status);
        Assert.Equal("consent_required", body["error"]!.ToString());
        Assert.StartsWith($"AADSTS65001: The user or administrator has not consented to use the application with ID '{appId}' named 'Odoo'.", body["error_description"]!.ToString());

        // A Principal grant consents for that user only.
        var aliceId = (await GetAsync(lab, token, $"v1.0/users/{Lab.Alice}?$select=id")).Body!["id"]!.ToString();
        var own = await PostAsync(lab, token, "v1.0/oauth2PermissionGrants", new JsonObject
        {
            ["clientId"] = spId, ["consentType"] = "Principal", ["principalId"] = aliceId, ["resourceId"] = lab.Tenant.Graph.Id,
            ["scope"] = "SMTP.Send IMAP.AccessAsUser.All",
        });
        Assert.Equal(HttpStatusCode.Created, own.Status);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(lab, appId, Confirm, Lab.Alice, MailScopes, secret)).Status);
        Assert.Equal("consent_required", (await SignInAsync(lab, appId, Confirm, Lab.Bob, MailScopes, secret)).Body["error"]!.ToString());
        await LabGraph.CallAsync(lab, token, HttpMethod.Delete, $"v1.0/oauth2PermissionGrants/{own.Body!["id"]}");

        // Consent on Office 365 Exchange Online counts as well as on Microsoft Graph.
        var exchange = await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{WellKnown.ExchangeAppId}')?$select=id");
        var grant = await PostAsync(lab, token, "v1.0/oauth2PermissionGrants", new JsonObject
        {
            ["clientId"] = spId, ["consentType"] = "AllPrincipals", ["resourceId"] = exchange.Body!["id"]!.ToString(), ["scope"] = "SMTP.Send IMAP.AccessAsUser.All",
        });
        (status, body) = await SignInAsync(lab, appId, Confirm, Lab.Alice, MailScopes, secret);
        Assert.Equal(HttpStatusCode.OK, status);

        // Consent withdrawn: the refresh token no longer works (MSAL: MsalUiRequiredException).
        Assert.Equal(HttpStatusCode.NoContent, (await LabGraph.CallAsync(lab, token, HttpMethod.Delete, $"v1.0/oauth2PermissionGrants/{grant.Body!["id"]}")).Status);
        var (refreshStatus, refused) = await Lab.PostAsync(lab, lab.TokenEndpoint, new Dictionary<string, string>
        {
            ["client_id"] = appId, ["client_secret"] = secret, ["grant_type"] = "refresh_token", ["refresh_token"] = body["refresh_token"]!.ToString(),
            ["scope"] = MailScopes,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refreshStatus);
        Assert.Equal("invalid_grant", refused["error"]!.ToString());
        Assert.Equal("consent_required", refused["suberror"]!.ToString());
        Assert.Equal(65001, Lab.Aadsts(refused));
        Assert.True(Guid.TryParse(refused["trace_id"]!.ToString(), out _));
        Assert.True(Guid.TryParse(refused["correlation_id"]!.ToString(), out _));
        Assert.False(string.IsNullOrEmpty(refused["timestamp"]!.ToString()));
    }

    [Fact]
    public async Task AssignmentRequired_UserNotAssigned_IsAADSTS50105_UntilAssignedDirectlyOrByGroup()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, appId, spId, secret, _) = await RegisterAsync(lab, token, "Odoo", Confirm);
        await PatchAsync(lab, token, $"v1.0/servicePrincipals/{spId}", new JsonObject { ["appRoleAssignmentRequired"] = true });

        var (status, body) = await SignInAsync(lab, appId, Confirm, Lab.Alice, MailScopes, secret);
        Assert.Equal("access_denied", body["error"]!.ToString());
        Assert.StartsWith("AADSTS50105: Your administrator has configured the application Odoo", body["error_description"]!.ToString());
        Assert.Contains($"The signed in user '{Lab.Alice}' is blocked", body["error_description"]!.ToString());

        var alice = await GetAsync(lab, token, $"v1.0/users/{Lab.Alice}?$select=id");
        await PostAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = alice.Body!["id"]!.ToString(), ["resourceId"] = spId, ["appRoleId"] = WellKnown.DefaultAccessRoleId,
        });
        (status, _) = await SignInAsync(lab, appId, Confirm, Lab.Alice, MailScopes, secret);
        Assert.Equal(HttpStatusCode.OK, status);
        (_, body) = await SignInAsync(lab, appId, Confirm, Lab.Bob, MailScopes, secret);
        Assert.Equal("access_denied", body["error"]!.ToString());

        var group = (await GetAsync(lab, token, $"v1.0/groups?$filter=displayName eq '{LabTenant.LabGroupName}'")).Body!["value"]![0]!["id"]!.ToString();
        await PostAsync(lab, token, $"v1.0/servicePrincipals/{spId}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = group, ["resourceId"] = spId, ["appRoleId"] = WellKnown.DefaultAccessRoleId,
        });
        (status, _) = await SignInAsync(lab, appId, Confirm, Lab.Bob, MailScopes, secret);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Secrets_SecretIdPasted_Removed_Expired_AppDisabled_AppDeleted_Are7000215_7000222_7000112_700016()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (id, appId, spId, secret, keyId) = await RegisterAsync(lab, token, "Runbook", Confirm);
        await PostAsync(lab, token, $"v1.0/servicePrincipals(appId='{WellKnown.ExchangeAppId}')/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = spId, ["resourceId"] = lab.Tenant.Exchange.Id, ["appRoleId"] = "7146a1f0-8703-45b3-9eae-527a64c00995",
        });
        var (status, body) = await ClientCredentialsAsync(lab, appId, secret, Lab.AppScope);
        Assert.Equal(HttpStatusCode.OK, status);
        var (_, p) = LabTokenIssuer.Decode(body["access_token"]!.ToString());
        Assert.Equal(["SMTP.SendAsApp"], p["roles"]!.AsArray().Select(r => r!.ToString()).ToArray());
        Assert.Equal(spId, p["oid"]!.ToString());
        Assert.Equal(appId, p["appid"]!.ToString());

        (status, body) = await ClientCredentialsAsync(lab, appId, keyId, Lab.AppScope);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body["error"]!.ToString());
        Assert.Equal(7000215, Lab.Aadsts(body));
        Assert.Contains("not the client secret ID", body["error_description"]!.ToString());

        // Expired: through MSAL, as the module sees it.
        Assert.Equal(1, lab.ExpireSecret(appId, keyId));
        var msal = Msal(lab, appId, secret);
        var expired = await Assert.ThrowsAsync<MsalServiceException>(() => msal.AcquireTokenForClient([Lab.AppScope]).ExecuteAsync());
        Assert.Equal("invalid_client", expired.ErrorCode);
        Assert.Contains("7000222", expired.ErrorCodesForLogging);
        Assert.Contains($"AADSTS7000222: The provided client secret keys for app '{appId}' are expired.", expired.Message);

        // A second secret, rotated in; the old one removed is then unknown.
        var second = await PostAsync(lab, token, $"v1.0/applications/{id}/addPassword", new JsonObject());
        (status, _) = await ClientCredentialsAsync(lab, appId, second.Body!["secretText"]!.ToString(), Lab.AppScope);
        Assert.Equal(HttpStatusCode.OK, status);
        await PostAsync(lab, token, $"v1.0/applications/{id}/removePassword", new JsonObject { ["keyId"] = keyId });
        (status, body) = await ClientCredentialsAsync(lab, appId, secret, Lab.AppScope);
        Assert.Equal(7000215, Lab.Aadsts(body));

        // Over HTTP too: the admin endpoint moves a secret into the past.
        var (labStatus, changed) = await Lab.PostAsync(lab, "/_lab/graph/expire-secret", new Dictionary<string, string> { ["app_id"] = appId });
        Assert.Equal(HttpStatusCode.OK, labStatus);
        Assert.Equal(1, changed["changed"]!.GetValue<int>());
        (_, body) = await ClientCredentialsAsync(lab, appId, second.Body["secretText"]!.ToString(), Lab.AppScope);
        Assert.Equal(7000222, Lab.Aadsts(body));

        // The enterprise application disabled: AADSTS7000112.
        await PatchAsync(lab, token, $"v1.0/servicePrincipals/{spId}", new JsonObject { ["accountEnabled"] = false });
        (status, body) = await ClientCredentialsAsync(lab, appId, second.Body["secretText"]!.ToString(), Lab.AppScope);
        Assert.Equal("unauthorized_client", body["error"]!.ToString());
        Assert.Equal(7000112, Lab.Aadsts(body));

        await LabGraph.CallAsync(lab, token, HttpMethod.Delete, $"v1.0/applications/{id}");
        (status, body) = await ClientCredentialsAsync(lab, appId, secret, Lab.AppScope);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unauthorized_client", body["error"]!.ToString());
        Assert.Equal(700016, Lab.Aadsts(body));
    }

    [Fact]
    public async Task AppOnly_GraphRoles_ComeFromAssignments_AndTheLabAppKeepsBothExchangeRoles()
    {
        await using var lab = await Lab.StartAsync(output);
        var token = await TokenAsync(lab);
        var (_, appId, spId, secret, _) = await RegisterAsync(lab, token, "Automation", Confirm);
        var (status, body) = await ClientCredentialsAsync(lab, appId, secret, "https://graph.microsoft.com/.default");
        Assert.Equal(HttpStatusCode.OK, status);
        var noRoles = body["access_token"]!.ToString();
        Assert.Empty(LabTokenIssuer.Decode(noRoles).Payload["roles"]!.AsArray());
        Assert.Equal("Authorization_RequestDenied", ErrorCode(await GetAsync(lab, noRoles, "v1.0/applications"), HttpStatusCode.Forbidden));

        await PostAsync(lab, token, $"v1.0/servicePrincipals/{lab.Tenant.Graph.Id}/appRoleAssignedTo", new JsonObject
        {
            ["principalId"] = spId, ["resourceId"] = lab.Tenant.Graph.Id, ["appRoleId"] = "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        });
        (_, body) = await ClientCredentialsAsync(lab, appId, secret, "https://graph.microsoft.com/.default");
        var appToken = body["access_token"]!.ToString();
        var (_, p) = LabTokenIssuer.Decode(appToken);
        Assert.Equal(WellKnown.GraphResource, p["aud"]!.ToString());
        Assert.Equal(["Application.ReadWrite.All"], p["roles"]!.AsArray().Select(r => r!.ToString()).ToArray());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(lab, appToken, "v1.0/applications")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(lab, appToken, "v1.0/oauth2PermissionGrants")).Status);

        (_, body) = await ClientCredentialsAsync(lab, lab.ClientId, lab.ClientSecret, Lab.AppScope);
        var lab_ = LabTokenIssuer.Decode(body["access_token"]!.ToString()).Payload;
        Assert.Equal(["IMAP.AccessAsApp", "SMTP.SendAsApp"], lab_["roles"]!.AsArray().Select(r => r!.ToString()).Order().ToArray());
        Assert.Equal(lab.ClientId, lab_["azp"]!.ToString());
        var labSp = await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{lab.ClientId}')");
        Assert.Equal(lab.TokenIssuer.ServicePrincipalId, labSp.Body!["id"]!.ToString());
        Assert.False(labSp.Body["appRoleAssignmentRequired"]!.GetValue<bool>());
    }
}
