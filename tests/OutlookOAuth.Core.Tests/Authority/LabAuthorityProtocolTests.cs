using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using OutlookOAuth.TestAuthority;
using Xunit;
using Xunit.Abstractions;
using static OutlookOAuth.Tests.Authority.Lab;

namespace OutlookOAuth.Tests.Authority;

/// <summary>Protocol details checked with plain HTTP: pages, grants, expiry, error shape.</summary>
public sealed class LabAuthorityProtocolTests(ITestOutputHelper output)
{
    static string AuthorizeUrl(LabAuthority lab, string? challenge = null, params (string, string)[] extra)
    {
        var q = new Dictionary<string, string?>
        {
            ["client_id"] = lab.ClientId, ["response_type"] = "code", ["redirect_uri"] = RedirectUri,
            ["scope"] = $"{Smtp} openid profile offline_access", ["code_challenge"] = challenge,
            ["code_challenge_method"] = challenge is null ? null : "S256",
        };
        foreach (var (k, v) in extra) q[k] = v;
        return QueryHelpers.AddQueryString(lab.AuthorizeEndpoint, q.Where(kv => kv.Value is not null)!);
    }

    static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlBytes(RandomNumberGenerator.GetBytes(64));
        return (verifier, Base64UrlBytes(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    static string Base64UrlBytes(byte[] b) => System.Buffers.Text.Base64Url.EncodeToString(b);

    static Dictionary<string, string> CodeRedemption(LabAuthority lab, string code, string? verifier, string? secret = null) => new()
    {
        ["client_id"] = lab.ClientId, ["client_secret"] = secret ?? lab.ClientSecret, ["grant_type"] = "authorization_code",
        ["code"] = code, ["redirect_uri"] = RedirectUri, ["code_verifier"] = verifier ?? "", ["scope"] = $"{Smtp} offline_access openid",
        ["client_info"] = "1",
    };

    [Fact]
    public async Task SignInPage_WrongPassword_UnknownClient_FormPost_State_PromptNone()
    {
        await using var lab = await StartAsync(output);
        using var browser = Browser(lab);
        var url = AuthorizeUrl(lab, Pkce().Challenge, ("state", "s-123"));

        using var wrong = await browser.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = Alice, ["password"] = "nope" }));
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        var html = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("AADSTS50126", html);
        Assert.Contains("name=\"password\"", html);

        var location = await SignInAsync(lab, new Uri(url), "ALICE@example.com", lab.Password);
        var q = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("s-123", q["state"].ToString());
        Assert.True(q.ContainsKey("session_state"));

        using var unknown = await browser.GetAsync(url.Replace(lab.ClientId, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("AADSTS700016", await unknown.Content.ReadAsStringAsync());

        using var formPost = await browser.PostAsync(url + "&response_mode=form_post",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = Bob, ["password"] = lab.Password }));
        var autoSubmit = await formPost.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, formPost.StatusCode);
        Assert.Contains($"action=\"{RedirectUri}\"", autoSubmit);
        Assert.Contains("name=\"code\"", autoSubmit);
        Assert.Contains("name=\"state\" value=\"s-123\"", autoSubmit);

        using var none = await browser.GetAsync(url + "&prompt=none");
        Assert.Equal(HttpStatusCode.Found, none.StatusCode);
        Assert.Equal("login_required", QueryHelpers.ParseQuery(none.Headers.Location!.Query)["error"].ToString());

        using var badScope = await browser.GetAsync(url.Replace("outlook.office.com", "example.com"));
        Assert.Equal("invalid_scope", QueryHelpers.ParseQuery(badScope.Headers.Location!.Query)["error"].ToString());
    }

    [Fact]
    public async Task RefreshTokens_Rotate_OldOnesStayValid_ConfidentialNeedsSecret()
    {
        await using var lab = await StartAsync(output);
        var (verifier, challenge) = Pkce();
        var code = await SignInForCodeAsync(lab, new Uri(AuthorizeUrl(lab, challenge)));
        var (status, tokens) = await PostAsync(lab, lab.TokenEndpoint, CodeRedemption(lab, code, verifier));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", tokens["token_type"]!.ToString());
        Assert.Equal(3600, tokens["expires_in"]!.GetValue<long>());
        Assert.Null(tokens["foci"]);
        Assert.NotNull(tokens["id_token"]);
        Assert.NotNull(tokens["client_info"]);
        var rt1 = tokens["refresh_token"]!.ToString();

        Dictionary<string, string> RefreshWith(string rt, bool secret = true)
        {
            var form = new Dictionary<string, string> { ["client_id"] = lab.ClientId, ["grant_type"] = "refresh_token", ["refresh_token"] = rt, ["scope"] = $"{Smtp} offline_access" };
            if (secret) form["client_secret"] = lab.ClientSecret;
            return form;
        }
        var (s2, r2) = await PostAsync(lab, lab.TokenEndpoint, RefreshWith(rt1));
        Assert.Equal(HttpStatusCode.OK, s2);
        var rt2 = r2["refresh_token"]!.ToString();
        Assert.NotEqual(rt1, rt2);
        Assert.Null(r2["id_token"]); // no openid requested this time
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lab, lab.TokenEndpoint, RefreshWith(rt1))).Status); // old RT still valid

        var (s3, e3) = await PostAsync(lab, lab.TokenEndpoint, RefreshWith(rt2, secret: false));
        Assert.Equal(HttpStatusCode.Unauthorized, s3);
        Assert.Equal(7000218, Aadsts(e3));
        var (s4, e4) = await PostAsync(lab, lab.TokenEndpoint, RefreshWith("garbage"));
        Assert.Equal(HttpStatusCode.BadRequest, s4);
        Assert.Equal("invalid_grant", e4["error"]!.ToString());

        // Entra error shape.
        Assert.Matches(@"^AADSTS7000218: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", e3["error_description"]!.ToString());
        foreach (var field in new[] { "timestamp", "trace_id", "correlation_id", "error_uri" }) Assert.NotNull(e3[field]);
    }

    [Fact]
    public async Task ClockDrivenExpiry_Codes_DeviceCodes_IdleRefreshTokens()
    {
        var clock = new ManualClock();
        await using var lab = await StartAsync(output, o => o.Clock = clock);
        var (verifier, challenge) = Pkce();
        var stale = await SignInForCodeAsync(lab, new Uri(AuthorizeUrl(lab, challenge)));
        var fresh = await SignInForCodeAsync(lab, new Uri(AuthorizeUrl(lab, challenge)));
        var (_, tokens) = await PostAsync(lab, lab.TokenEndpoint, CodeRedemption(lab, fresh, verifier));
        var (_, device) = await PostAsync(lab, $"/{lab.TenantId}/oauth2/v2.0/devicecode", new() { ["client_id"] = lab.ClientId, ["scope"] = $"{Smtp} offline_access" });
        Assert.Equal(1, device["interval"]!.GetValue<int>());
        Assert.Equal(900, device["expires_in"]!.GetValue<int>());

        var poll = new Dictionary<string, string> { ["client_id"] = lab.ClientId, ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["device_code"] = device["device_code"]!.ToString() };
        Assert.Equal("authorization_pending", (await PostAsync(lab, lab.TokenEndpoint, poll)).Body["error"]!.ToString());
        Assert.Equal("slow_down", (await PostAsync(lab, lab.TokenEndpoint, poll)).Body["error"]!.ToString());

        clock.Offset = TimeSpan.FromMinutes(11);
        Assert.Equal(70008, Aadsts((await PostAsync(lab, lab.TokenEndpoint, CodeRedemption(lab, stale, verifier))).Body));
        clock.Offset = TimeSpan.FromMinutes(16);
        var expired = (await PostAsync(lab, lab.TokenEndpoint, poll)).Body;
        Assert.Equal("expired_token", expired["error"]!.ToString());

        var refresh = new Dictionary<string, string>
        {
            ["client_id"] = lab.ClientId, ["client_secret"] = lab.ClientSecret, ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens["refresh_token"]!.ToString(), ["scope"] = Smtp,
        };
        clock.Offset = TimeSpan.FromDays(89);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(lab, lab.TokenEndpoint, refresh)).Status); // use resets the idle timer
        clock.Offset = TimeSpan.FromDays(89 + 91);
        var idle = (await PostAsync(lab, lab.TokenEndpoint, refresh)).Body;
        Assert.Equal(700082, Aadsts(idle));
    }

    [Fact]
    public async Task PublicClientFlows_Switch_And_MissingCredentials()
    {
        await using var lab = await StartAsync(output, o => o.AllowPublicClientFlows = false);
        var (_, device) = await PostAsync(lab, $"/organizations/oauth2/v2.0/devicecode", new() { ["client_id"] = lab.ClientId, ["scope"] = Smtp });
        var poll = new Dictionary<string, string> { ["client_id"] = lab.ClientId, ["grant_type"] = "device_code", ["device_code"] = device["device_code"]!.ToString() };
        var (status, body) = await PostAsync(lab, $"/common/oauth2/v2.0/token", poll);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(7000218, Aadsts(body));

        var (s2, _) = await PostAsync(lab, "/_lab/settings", new() { ["allow_public_client_flows"] = "true" });
        Assert.Equal(HttpStatusCode.OK, s2);
        Assert.Equal("authorization_pending", (await PostAsync(lab, "/example.com/oauth2/v2.0/token", poll)).Body["error"]!.ToString());

        var (s3, cc) = await PostAsync(lab, lab.TokenEndpoint, new() { ["client_id"] = lab.ClientId, ["grant_type"] = "client_credentials", ["scope"] = AppScope });
        Assert.Equal(HttpStatusCode.Unauthorized, s3);
        Assert.Equal(7000216, Aadsts(cc));
        var (s4, ns) = await PostAsync(lab, lab.TokenEndpoint, new() { ["client_id"] = lab.ClientId, ["client_secret"] = lab.ClientSecret, ["grant_type"] = "client_credentials", ["scope"] = "https://outlook.office365.com/SMTP.SendAsApp" });
        Assert.Equal(HttpStatusCode.BadRequest, s4);
        Assert.Equal(1002012, Aadsts(ns));
        var (s5, ug) = await PostAsync(lab, lab.TokenEndpoint, new() { ["client_id"] = lab.ClientId, ["grant_type"] = "password" });
        Assert.Equal("unsupported_grant_type", ug["error"]!.ToString());
    }

    [Fact]
    public async Task OpenIdConfiguration_DescribesTheEndpoints()
    {
        await using var lab = await StartAsync(output);
        using var browser = Browser(lab);
        var doc = System.Text.Json.Nodes.JsonNode.Parse(await browser.GetStringAsync($"/{lab.TenantId}/v2.0/.well-known/openid-configuration"))!;
        Assert.Equal(lab.IdTokenIssuer, doc["issuer"]!.ToString());
        Assert.Equal(lab.TokenEndpoint, doc["token_endpoint"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(doc["jwks_uri"]!.ToString())).StatusCode);
        var common = System.Text.Json.Nodes.JsonNode.Parse(await browser.GetStringAsync("/common/v2.0/.well-known/openid-configuration"))!;
        Assert.Equal($"{lab.BaseUri}/{{tenantid}}/v2.0", common["issuer"]!.ToString());
    }
}
