using System.Buffers.Text;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Identity.Client;
using OutlookOAuth.TestAuthority;
using Xunit;
using Xunit.Abstractions;
using static OutlookOAuth.Tests.Authority.Lab;

namespace OutlookOAuth.Tests.Authority;

/// <summary>Real MSAL.NET 4.92 flows against the in-process lab authority (HTTPS, CA trusted via CustomRootTrust).</summary>
public sealed class LabAuthorityMsalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AuthCodeWithPkce_ThenForcedSilentRefresh()
    {
        await using var lab = await StartAsync(output);
        var app = Confidential(lab);
        var url = await app.GetAuthorizationRequestUrl([Smtp, Imap]).WithPkce(out var verifier).WithLoginHint(Alice).ExecuteAsync();

        using (var browser = Browser(lab))
            Assert.Contains($"value=\"{Alice}\"", await browser.GetStringAsync(url)); // login_hint prefills the form
        var location = await SignInAsync(lab, url, Alice, lab.Password);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.False(query.ContainsKey("state")); // MSAL sends none, none comes back
        var clientInfo = JsonNode.Parse(Base64Url.DecodeFromChars(query["client_info"].ToString()))!;
        Assert.Equal(lab.ObjectId(Alice), clientInfo["uid"]!.ToString());

        var first = await app.AcquireTokenByAuthorizationCode([Smtp, Imap], query["code"].ToString()).WithPkceCodeVerifier(verifier).ExecuteAsync();
        Assert.Equal(Alice, first.Account.Username);
        Assert.Equal($"{lab.ObjectId(Alice)}.{lab.TenantId}", first.Account.HomeAccountId.Identifier);
        Assert.Equal(lab.TenantId, first.TenantId);
        Assert.Equal(lab.ObjectId(Alice), first.UniqueId);
        var (_, claims) = LabTokenIssuer.Decode(first.AccessToken);
        Assert.Equal(["IMAP.AccessAsUser.All", "SMTP.Send"], ScopeSet(claims["scp"]!.ToString()));
        Assert.Equal(claims["scp"]!.ToString(), claims["scope"]!.ToString());
        Assert.Equal(LabTokenIssuer.DelegatedAudience, claims["aud"]!.ToString());
        Assert.True(lab.TokenIssuer.VerifySignature(first.AccessToken));
        var codeRequest = Assert.Single(lab.Requests, r => r.GrantType == "authorization_code");
        Assert.Equal(200, codeRequest.StatusCode);
        Assert.Equal(lab.ClientSecret, codeRequest.Form["client_secret"]);
        Assert.Equal(128, codeRequest.Form["code_verifier"].Length);

        var account = await app.GetAccountAsync(first.Account.HomeAccountId.Identifier); // the account is listed in the cache
        Assert.NotNull(account);
        var refreshed = await app.AcquireTokenSilent([Smtp, Imap], account).WithForceRefresh(true).ExecuteAsync();
        Assert.Equal(TokenSource.IdentityProvider, refreshed.AuthenticationResultMetadata.TokenSource);
        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        Assert.Equal(first.Account.HomeAccountId, refreshed.Account.HomeAccountId);
        var refresh = Assert.Single(lab.Requests, r => r.GrantType == "refresh_token");
        Assert.Equal(200, refresh.StatusCode);
        Assert.Equal($"oid:{lab.ObjectId(Alice)}@{lab.TenantId}", refresh.Headers["x-anchormailbox"]);

        // The keys endpoint publishes the key that signed it.
        using var browser2 = Browser(lab);
        var jwks = JsonNode.Parse(await browser2.GetStringAsync($"/{lab.TenantId}/discovery/v2.0/keys"))!;
        Assert.Equal(lab.KeyId, jwks["keys"]![0]!["kid"]!.ToString());
        Assert.Equal(Base64Url.EncodeToString(lab.SigningKey.ExportParameters(false).Modulus!), jwks["keys"]![0]!["n"]!.ToString());
    }

    [Fact]
    public async Task DeviceCode_ApprovedFromAnotherTask_ThenSilentRefresh()
    {
        await using var lab = await StartAsync(output);
        var app = Public(lab);
        Task<string>? approval = null;
        DeviceCodeResult? shown = null;
        var result = await app.AcquireTokenWithDeviceCode([Smtp], dcr =>
        {
            shown = dcr;
            approval = Task.Run(async () =>
            {
                await Task.Delay(1300); // let MSAL poll and be told authorization_pending first
                using var browser = Browser(lab);
                using var response = await browser.PostAsync(dcr.VerificationUrl, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["user_code"] = dcr.UserCode, ["username"] = Bob, ["password"] = lab.Password,
                }));
                return await response.Content.ReadAsStringAsync();
            });
            return Task.CompletedTask;
        }).ExecuteAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);

        Assert.Contains("You have signed in", await approval!);
        Assert.Equal(lab.DeviceLoginUri, shown!.VerificationUrl);
        Assert.Equal(1, shown.Interval);
        Assert.Contains(shown.UserCode, shown.Message);
        Assert.Equal(Bob, result.Account.Username);
        var polls = lab.Requests.Where(r => r.GrantType == "device_code").ToList();
        Assert.True(polls.Count >= 2, $"expected a pending poll before success, saw {polls.Count}");
        Assert.All(polls[..^1], p => Assert.Equal("authorization_pending AADSTS70016", p.Error));
        Assert.Equal(200, polls[^1].StatusCode);
        Assert.DoesNotContain(polls, p => p.Form.ContainsKey("client_secret"));

        var refreshed = await app.AcquireTokenSilent([Smtp], result.Account).WithForceRefresh(true).ExecuteAsync();
        Assert.Equal(Bob, LabTokenIssuer.Decode(refreshed.AccessToken).Payload["upn"]!.ToString());
        Assert.Equal(200, Assert.Single(lab.Requests, r => r.GrantType == "refresh_token").StatusCode);
    }

    [Fact]
    public async Task DeviceCode_Declined_StopsPolling()
    {
        await using var lab = await StartAsync(output);
        Task? decline = null;
        var ex = await Assert.ThrowsAsync<MsalServiceException>(() => Public(lab).AcquireTokenWithDeviceCode([Smtp], dcr =>
        {
            decline = Task.Run(async () =>
            {
                using var browser = Browser(lab);
                (await browser.PostAsync("/devicelogin", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["user_code"] = dcr.UserCode.ToLowerInvariant(), ["action"] = "deny",
                }))).EnsureSuccessStatusCode();
            });
            return decline;
        }).ExecuteAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token));
        await decline!;
        Assert.Equal("authorization_declined", ex.ErrorCode);
        Assert.Contains("65004", ex.ErrorCodesForLogging);
    }

    [Fact]
    public async Task ClientCredentials_WithSecret_GivesAppOnlyToken()
    {
        await using var lab = await StartAsync(output);
        var app = Confidential(lab);
        var result = await app.AcquireTokenForClient([AppScope]).ExecuteAsync();
        var (header, claims) = LabTokenIssuer.Decode(result.AccessToken);
        Assert.Equal("JWT", header["typ"]!.ToString());
        Assert.Equal(LabTokenIssuer.AppAudience, claims["aud"]!.ToString());
        Assert.Equal(["IMAP.AccessAsApp", "SMTP.SendAsApp"], claims["roles"]!.AsArray().Select(r => r!.ToString()).Order());
        Assert.Null(claims["upn"]);
        Assert.Null(claims["scp"]);
        Assert.Equal(lab.ClientId, claims["appid"]!.ToString());
        Assert.Equal(lab.TenantId, result.TenantId);
        Assert.Equal(TokenSource.Cache, (await app.AcquireTokenForClient([AppScope]).ExecuteAsync()).AuthenticationResultMetadata.TokenSource);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientCredentials_WithCertificate(bool sendX5C)
    {
        await using var lab = await StartAsync(output);
        var result = await WithCertificate(lab, ClientCertificate, sendX5C).AcquireTokenForClient([AppScope]).ExecuteAsync();
        Assert.True(lab.TokenIssuer.VerifySignature(result.AccessToken));
        var request = Assert.Single(lab.Requests, r => r.GrantType == "client_credentials");
        Assert.False(request.Form.ContainsKey("client_secret"));
        Assert.Equal("PS256", LabTokenIssuer.Decode(request.Form["client_assertion"]).Header["alg"]!.ToString());

        using var stranger = LabCertificates.CreateClientCertificate("CN=not registered");
        var ex = await Assert.ThrowsAsync<MsalServiceException>(() => WithCertificate(lab, stranger, sendX5C).AcquireTokenForClient([AppScope]).ExecuteAsync());
        Assert.Equal("invalid_client", ex.ErrorCode);
        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("700027", ex.ErrorCodesForLogging);
    }

    [Fact]
    public async Task TamperedPkceVerifier_IsRejected()
    {
        await using var lab = await StartAsync(output);
        var app = Confidential(lab);
        var url = await app.GetAuthorizationRequestUrl([Smtp]).WithPkce(out var verifier).ExecuteAsync();
        var code = await SignInForCodeAsync(lab, url);
        var tampered = verifier[..^1] + (verifier[^1] == 'A' ? 'B' : 'A');
        var ex = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            app.AcquireTokenByAuthorizationCode([Smtp], code).WithPkceCodeVerifier(tampered).ExecuteAsync());
        Assert.Equal("invalid_grant", ex.ErrorCode);
        Assert.Contains("501481", ex.ErrorCodesForLogging);
        Assert.StartsWith("AADSTS501481:", ex.Message);
    }

    [Fact]
    public async Task AuthorizationCode_IsSingleUse()
    {
        await using var lab = await StartAsync(output);
        var app = Confidential(lab);
        var url = await app.GetAuthorizationRequestUrl([Smtp]).WithPkce(out var verifier).ExecuteAsync();
        var code = await SignInForCodeAsync(lab, url);
        await app.AcquireTokenByAuthorizationCode([Smtp], code).WithPkceCodeVerifier(verifier).ExecuteAsync();
        var ex = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            Confidential(lab).AcquireTokenByAuthorizationCode([Smtp], code).WithPkceCodeVerifier(verifier).ExecuteAsync());
        Assert.Equal("invalid_grant", ex.ErrorCode);
        Assert.Contains("54005", ex.ErrorCodesForLogging);
    }

    [Fact]
    public async Task RedirectUriMismatchAtRedemption_IsRejected()
    {
        await using var lab = await StartAsync(output);
        var url = await Confidential(lab).GetAuthorizationRequestUrl([Smtp]).WithPkce(out var verifier).ExecuteAsync();
        var code = await SignInForCodeAsync(lab, url);
        var ex = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            Confidential(lab, redirectUri: "https://localhost/other").AcquireTokenByAuthorizationCode([Smtp], code).WithPkceCodeVerifier(verifier).ExecuteAsync());
        Assert.Contains("500112", ex.ErrorCodesForLogging);
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient7000215()
    {
        await using var lab = await StartAsync(output);
        var ex = await Assert.ThrowsAsync<MsalServiceException>(() => Confidential(lab, secret: "not-the-secret").AcquireTokenForClient([AppScope]).ExecuteAsync());
        Assert.IsNotType<MsalUiRequiredException>(ex);
        Assert.Equal("invalid_client", ex.ErrorCode);
        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("7000215", ex.ErrorCodesForLogging);
        Assert.Contains("Original exception: AADSTS7000215: Invalid client secret provided.", ex.Message);
        Assert.DoesNotContain(lab.ClientSecret, ex.ResponseBody);
    }

    [Fact]
    public async Task FailNext_InjectsOneShotErrors_InProcessAndOverHttp()
    {
        await using var lab = await StartAsync(output);
        var app = Confidential(lab);
        lab.FailNext("client_credentials", "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.");
        var ex = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient([AppScope]).ExecuteAsync());
        Assert.Equal("invalid_scope", ex.ErrorCode);
        Assert.Equal(["70011"], ex.ErrorCodesForLogging);
        Assert.StartsWith("AADSTS70011: The provided value", ex.Message);
        await app.AcquireTokenForClient([AppScope]).ExecuteAsync(); // one-shot: the next one works

        // Over HTTP (how the lab process is driven): a refresh answered interaction_required, then normal again.
        var (userApp, signedIn) = await SignInWithCodeAsync(lab, Alice, Smtp);
        var (status, _) = await PostAsync(lab, "/_lab/fail-next", new()
        {
            ["grant_type"] = "refresh_token", ["error"] = "interaction_required", ["aadsts"] = "65001",
            ["description"] = "The user or administrator has not consented to use the application.",
        });
        Assert.Equal(HttpStatusCode.OK, status);
        var ui = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            userApp.AcquireTokenSilent([Smtp], signedIn.Account).WithForceRefresh(true).ExecuteAsync());
        Assert.Equal("interaction_required", ui.ErrorCode);
        Assert.Contains("65001", ui.ErrorCodesForLogging);
        await userApp.AcquireTokenSilent([Smtp], signedIn.Account).WithForceRefresh(true).ExecuteAsync();
    }

    [Fact]
    public async Task FailNext_With503_IsRetriedOnceByMsal()
    {
        await using var lab = await StartAsync(output);
        lab.FailNext("*", "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.", 503);
        await Confidential(lab).AcquireTokenForClient([AppScope]).ExecuteAsync();
        Assert.Equal([503, 200], lab.Requests.Where(r => r.GrantType == "client_credentials").Select(r => r.StatusCode));
    }

    [Fact]
    public async Task RevokedOrIdleRefreshToken_IsUiRequired()
    {
        await using var lab = await StartAsync(output);
        var (app, result) = await SignInWithCodeAsync(lab, Alice, Smtp);
        Assert.True(lab.RevokeRefreshTokens(Alice) >= 1);
        var revoked = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            app.AcquireTokenSilent([Smtp], result.Account).WithForceRefresh(true).ExecuteAsync());
        Assert.Equal("invalid_grant", revoked.ErrorCode);
        Assert.Contains("50173", revoked.ErrorCodesForLogging);

        var (app2, result2) = await SignInWithCodeAsync(lab, Alice, Smtp); // a new sign-in is not affected by the old revocation
        await app2.AcquireTokenSilent([Smtp], result2.Account).WithForceRefresh(true).ExecuteAsync();
        var (status, body) = await PostAsync(lab, "/_lab/revoke", new() { ["user"] = Alice, ["mode"] = "expire" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["expired"]!.GetValue<int>() >= 1);
        var idle = await Assert.ThrowsAsync<MsalUiRequiredException>(() =>
            app2.AcquireTokenSilent([Smtp], result2.Account).WithForceRefresh(true).ExecuteAsync());
        Assert.Contains("700082", idle.ErrorCodesForLogging);
    }

    [Fact]
    public async Task UnknownOrWithdrawnScopes_AreInvalidScope70011()
    {
        await using var lab = await StartAsync(output);
        var ex = await Assert.ThrowsAsync<MsalServiceException>(() =>
            Confidential(lab).AcquireTokenForClient(["https://graph.microsoft.com/.default"]).ExecuteAsync());
        Assert.Equal("invalid_scope", ex.ErrorCode);
        Assert.Contains("70011", ex.ErrorCodesForLogging);

        lab.RejectScope("SMTP.Send");
        var dc = await Assert.ThrowsAsync<MsalServiceException>(() =>
            Public(lab).AcquireTokenWithDeviceCode([Smtp], _ => Task.CompletedTask).ExecuteAsync());
        Assert.Equal("invalid_scope", dc.ErrorCode);
        Assert.Contains("70011", dc.ErrorCodesForLogging);
    }
}
