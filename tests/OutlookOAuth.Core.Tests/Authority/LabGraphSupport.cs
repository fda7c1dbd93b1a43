using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using OutlookOAuth.TestAuthority;
using OutlookOAuth.TestAuthority.Tenant;
using Xunit;

namespace OutlookOAuth.Tests.Authority;

/// <summary>Plain-HTTP helpers for the lab tenant: Graph tokens through Graph Command Line Tools, Graph calls, sign-in of registered apps.</summary>
static class LabGraph
{
    public const string Admin = LabTenant.AdminUser;
    public const string CliRedirect = "http://localhost:53117/";
    public static readonly string[] AdminScopes =
    [
        "https://graph.microsoft.com/Application.ReadWrite.All", "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
        "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All", "https://graph.microsoft.com/User.Read.All",
        "https://graph.microsoft.com/Group.Read.All", "https://graph.microsoft.com/Policy.Read.All",
    ];

    public sealed record Reply(HttpStatusCode Status, JsonObject? Body, HttpResponseHeaders Headers);

    /// <summary>Authorization code + PKCE as a browser and a public client would do it; returns the token response.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> SignInAsync(LabAuthority lab, string clientId, string redirectUri, string user,
        string scope, string? secret = null)
    {
        var verifier = Convert.ToHexString(RandomNumberGenerator.GetBytes(40));
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = QueryHelpers.AddQueryString(lab.AuthorizeEndpoint, new Dictionary<string, string?>
        {
            ["client_id"] = clientId, ["response_type"] = "code", ["redirect_uri"] = redirectUri, ["scope"] = scope,
            ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        });
        var location = await Lab.SignInAsync(lab, new Uri(url), user, lab.Password);
        var q = QueryHelpers.ParseQuery(location.Query);
        if (q.ContainsKey("error"))
            return (HttpStatusCode.Found, new JsonObject { ["error"] = q["error"].ToString(), ["error_description"] = q["error_description"].ToString() });
        var form = new Dictionary<string, string>
        {
            ["client_id"] = clientId, ["grant_type"] = "authorization_code", ["code"] = q["code"].ToString(), ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier, ["scope"] = scope, ["client_info"] = "1",
        };
        if (secret is not null) form["client_secret"] = secret;
        return await Lab.PostAsync(lab, lab.TokenEndpoint, form);
    }

    /// <summary>A delegated Graph access token for <paramref name="user"/> through Microsoft Graph Command Line Tools.</summary>
    public static async Task<string> TokenAsync(LabAuthority lab, string user = Admin)
    {
        var (status, body) = await SignInAsync(lab, WellKnown.GraphCommandLineToolsAppId, CliRedirect, user, string.Join(' ', AdminScopes) + " openid profile offline_access");
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return body["access_token"]!.ToString();
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> ClientCredentialsAsync(LabAuthority lab, string clientId, string secret, string scope) =>
        await Lab.PostAsync(lab, lab.TokenEndpoint, new Dictionary<string, string>
        {
            ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = scope, ["grant_type"] = "client_credentials",
        });

    public static async Task<Reply> CallAsync(LabAuthority lab, string? token, HttpMethod method, string relative, JsonNode? body = null)
    {
        using var client = new HttpClient(lab.CreateHttpHandler());
        using var request = new HttpRequestMessage(method, lab.GraphRoot + relative);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("client-request-id", "0d1c2b3a-0000-4000-8000-00000000c0de");
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject(), response.Headers);
    }

    public static Task<Reply> GetAsync(LabAuthority lab, string token, string relative) => CallAsync(lab, token, HttpMethod.Get, relative);
    public static Task<Reply> PostAsync(LabAuthority lab, string token, string relative, JsonNode body) => CallAsync(lab, token, HttpMethod.Post, relative, body);
    public static Task<Reply> PatchAsync(LabAuthority lab, string token, string relative, JsonNode body) => CallAsync(lab, token, HttpMethod.Patch, relative, body);

    /// <summary>Asserts Graph's error body and returns its code.</summary>
    public static string ErrorCode(Reply reply, HttpStatusCode status)
    {
        Assert.Equal(status, reply.Status);
        var error = reply.Body!["error"]!.AsObject();
        Assert.False(string.IsNullOrEmpty(error["message"]?.ToString()));
        var inner = error["innerError"]!.AsObject();
        Assert.True(DateTime.TryParse(inner["date"]!.ToString(), out _));
        Assert.True(Guid.TryParse(inner["request-id"]!.ToString(), out _));
        Assert.Equal("0d1c2b3a-0000-4000-8000-00000000c0de", inner["client-request-id"]!.ToString());
        return error["code"]!.ToString();
    }

    /// <summary>Registers a web app as issue 18 asks (redirect URI, Graph delegated permissions), its enterprise app and a secret.</summary>
    public static async Task<(string Id, string AppId, string SpId, string Secret, string KeyId)> RegisterAsync(LabAuthority lab, string token,
        string name, string redirectUri, bool consent = true)
    {
        var app = await PostAsync(lab, token, "v1.0/applications", new JsonObject
        {
            ["displayName"] = name,
            ["signInAudience"] = "AzureADandPersonalMicrosoftAccount",
            ["api"] = new JsonObject { ["requestedAccessTokenVersion"] = 2 },
            ["web"] = new JsonObject { ["redirectUris"] = new JsonArray(redirectUri) },
            ["requiredResourceAccess"] = new JsonArray(new JsonObject
            {
                ["resourceAppId"] = WellKnown.GraphAppId,
                ["resourceAccess"] = new JsonArray(
                    new JsonObject { ["id"] = "e1fe6dd8-ba31-4d61-89e7-88639da4683d", ["type"] = "Scope" },
                    new JsonObject { ["id"] = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", ["type"] = "Scope" },
                    new JsonObject { ["id"] = "258f6531-6087-4cc4-bb90-092c5fb3ed3f", ["type"] = "Scope" },
                    new JsonObject { ["id"] = "652390e4-393a-48de-9484-05f9b1212954", ["type"] = "Scope" }),
            }),
        });
        Assert.True(app.Status == HttpStatusCode.Created, app.Body?.ToJsonString());
        var id = app.Body!["id"]!.ToString();
        var appId = app.Body["appId"]!.ToString();
        var sp = await PostAsync(lab, token, "v1.0/servicePrincipals", new JsonObject { ["appId"] = appId });
        Assert.Equal(HttpStatusCode.Created, sp.Status);
        var spId = sp.Body!["id"]!.ToString();
        if (consent)
        {
            var graphSp = await GetAsync(lab, token, $"v1.0/servicePrincipals(appId='{WellKnown.GraphAppId}')?$select=id");
            var grant = await PostAsync(lab, token, "v1.0/oauth2PermissionGrants", new JsonObject
            {
                ["clientId"] = spId, ["consentType"] = "AllPrincipals", ["resourceId"] = graphSp.Body!["id"]!.ToString(),
                ["scope"] = "User.Read offline_access SMTP.Send IMAP.AccessAsUser.All",
            });
            Assert.Equal(HttpStatusCode.Created, grant.Status);
        }
        var password = await PostAsync(lab, token, $"v1.0/applications/{id}/addPassword", new JsonObject
        {
            ["passwordCredential"] = new JsonObject { ["displayName"] = "lab", ["endDateTime"] = DateTimeOffset.UtcNow.AddDays(90).ToString("O") },
        });
        Assert.Equal(HttpStatusCode.OK, password.Status);
        return (id, appId, spId, password.Body!["secretText"]!.ToString(), password.Body["keyId"]!.ToString());
    }
}
