using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.TestAuthority;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>Every Connect-OutlookAccount flow end to end against the local HTTPS authority, through the
/// module's own HTTP client (CertificateTrust with the lab CA), MSAL, the loopback listener and the store.</summary>
public sealed class SignInFlowTests : IClassFixture<LabFixture>, IDisposable
{
    readonly LabFixture _lab;
    readonly TempStore _tmp = new();

    public SignInFlowTests(LabFixture lab)
    {
        _lab = lab;
        _lab.Authority.ResetFaults();
        _lab.Authority.AccessTokenLifetime = TimeSpan.FromHours(1);
        _lab.Authority.AllowPublicClientFlows = true;
        _tmp.Store.SetSecret(TokenStore.ClientSecretName, LabFixture.Secret);
    }

    public void Dispose() => _tmp.Dispose();

    OutlookSignIn SignIn(IBrowserLauncher? browser = null, OutlookApplicationSettings? settings = null) =>
        new(settings ?? _lab.Settings(), _tmp.Store, _lab.Apps(), browser ?? new LabBrowser(_lab, "alice@example.com"));

    OutlookTokenProvider Provider(OutlookApplicationSettings? settings = null) => new(settings ?? _lab.Settings(), _tmp.Store, _lab.Apps());

    [Fact]
    public async Task Browser_flow_stores_tokens_for_the_server_and_serves_a_real_token()
    {
        var server = Servers.Outgoing("alice@example.com");
        var browser = new LabBrowser(_lab, "alice@example.com");
        var ui = new TestInteraction();

        var meta = await SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), ui, default);

        Assert.Equal(SignInFlow.Browser, meta.Flow);
        Assert.Equal("alice@example.com", meta.SignedInAs);
        Assert.Equal(TokenStatus.Valid, new TokenStatusService(_tmp.Store).GetStatus(server));
        // the authorize request: PKCE S256, login_hint = username, our state, loopback redirect, SMTP scope
        var q = System.Web.HttpUtility.ParseQueryString(browser.LastAuthorizeUrl!.Query);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.Equal("alice@example.com", q["login_hint"]);
        Assert.True(q["state"]!.Length >= 43);
        Assert.StartsWith("http://localhost:", q["redirect_uri"]);
        Assert.Contains(OutlookScopes.SmtpSend, q["scope"]);
        Assert.Contains("offline_access", q["scope"]);
        Assert.Contains(ui.Messages, m => m.Kind == SignInMessageKind.BrowserOpened);
        // the code was redeemed with the verifier and the same redirect URI
        var redeem = _lab.Authority.Requests.Last(r => r.GrantType == "authorization_code");
        Assert.Equal(200, redeem.StatusCode);
        Assert.Equal(q["redirect_uri"], redeem.Form["redirect_uri"]);
        Assert.Equal(128, redeem.Form["code_verifier"].Length);

        var token = await Provider().GetAccessTokenAsync(server, default);
        var (_, payload) = LabTokenIssuer.Decode(token.Value);
        Assert.Equal("alice@example.com", payload["upn"]?.ToString() ?? payload["preferred_username"]?.ToString());
        Assert.Contains("SMTP.Send", payload["scp"]!.ToString());
        Assert.Equal("alice@example.com", token.Username);
        Assert.False(token.AppOnly);
        Assert.True(_lab.Authority.TokenIssuer.VerifySignature(token.Value));
    }

    [Fact]
    public async Task Incoming_server_gets_an_IMAP_token()
    {
        var server = Servers.Incoming("bob@example.com");
        await SignIn(new LabBrowser(_lab, "bob@example.com")).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);
        var token = await Provider().GetAccessTokenAsync(server, default);
        var (_, payload) = LabTokenIssuer.Decode(token.Value);
        Assert.Contains("IMAP.AccessAsUser.All", payload["scp"]!.ToString());
        Assert.DoesNotContain("SMTP.Send", payload["scp"]!.ToString());
    }

    [Fact]
    public async Task Loopback_redirect_uri_with_a_path_is_listened_on_and_sent()
    {
        var server = Servers.Outgoing("alice@example.com");
        var browser = new LabBrowser(_lab, "alice@example.com");
        await SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser) { RedirectUri = new Uri("http://localhost/outlook-callback") }, new TestInteraction(), default);
        var redirect = System.Web.HttpUtility.ParseQueryString(browser.LastAuthorizeUrl!.Query)["redirect_uri"]!;
        Assert.Matches(@"^http://localhost:\d+/outlook-callback$", redirect);
        Assert.Equal(TokenStatus.Valid, new TokenStatusService(_tmp.Store).GetStatus(server));
    }

    [Fact]
    public async Task Paste_flow_prints_the_url_accepts_the_pasted_redirect_and_redeems_with_the_same_redirect_uri()
    {
        var server = Servers.Outgoing("alice@example.com");
        var redirect = new Uri("https://odoo.example.com/microsoft_outlook/confirm");
        var ui = new TestInteraction { PasteAnswer = async url => (await LabBrowser.SignInAsync(_lab, url, "alice@example.com", default)).AbsoluteUri };

        var meta = await SignIn(new FailingBrowser()).ConnectAsync(server, SignInRequest.For(false, false, redirect.AbsoluteUri, _lab.Settings()), ui, default);

        Assert.Equal(SignInFlow.RedirectPaste, meta.Flow);
        var open = Assert.Single(ui.Messages, m => m.Kind == SignInMessageKind.OpenAndPaste);
        Assert.Contains("/oauth2/v2.0/authorize?", open.Text);
        Assert.Single(ui.Prompts);
        Assert.Equal(redirect.AbsoluteUri, _lab.Authority.Requests.Last(r => r.GrantType == "authorization_code").Form["redirect_uri"]);
        Assert.Equal(TokenStatus.Valid, new TokenStatusService(_tmp.Store).GetStatus(server));
    }

    [Fact]
    public async Task Paste_flow_refuses_a_url_that_is_not_the_redirect_uri()
    {
        var server = Servers.Outgoing("alice@example.com");
        var ui = new TestInteraction { PasteAnswer = _ => Task.FromResult<string?>("https://evil.example.net/microsoft_outlook/confirm?code=x&state=y") };
        var e = await Assert.ThrowsAsync<OAuthException>(() =>
            SignIn().ConnectAsync(server, SignInRequest.For(false, false, "https://odoo.example.com/microsoft_outlook/confirm", _lab.Settings()), ui, default));
        Assert.Equal("PastedUrlNotRedirect", e.ErrorId);
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public async Task Device_code_flow_shows_the_code_and_stores_a_public_client_token_that_refreshes_without_secret()
    {
        var server = Servers.Incoming("bob@example.com");
        var ui = new TestInteraction(_lab, "bob@example.com");

        var meta = await SignIn().ConnectAsync(server, new SignInRequest(SignInFlow.DeviceCode), ui, default);

        var shown = Assert.Single(ui.Messages, m => m.Kind == SignInMessageKind.DeviceCode);
        Assert.Equal(_lab.Authority.DeviceLoginUri, shown.Url);
        Assert.Contains(shown.UserCode!, shown.Text);
        // URL and code once each (not Entra's own sentence repeating both), the expiry in UTC with its zone
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(shown.Text, System.Text.RegularExpressions.Regex.Escape(shown.UserCode!)));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(shown.Text, System.Text.RegularExpressions.Regex.Escape(shown.Url!)));
        Assert.Matches(@"expires at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \(UTC\)", shown.Text);
        Assert.NotNull(shown.ExpiresOn);
        Assert.InRange(shown.ExpiresOn!.Value, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(SignInFlow.DeviceCode, meta.Flow);
        Assert.Equal("bob@example.com", meta.SignedInAs);
        Assert.DoesNotContain(_lab.Authority.Requests, r => r.GrantType == "device_code" && r.Form.ContainsKey("client_secret"));

        _lab.Authority.ClearRequests();
        var refreshed = await Provider().AcquireAsync(server, forceRefresh: true, default);
        var refresh = Assert.Single(_lab.Authority.Requests, r => r.GrantType == "refresh_token");
        Assert.Equal(200, refresh.StatusCode);
        Assert.False(refresh.Form.ContainsKey("client_secret"));
        Assert.Equal("bob@example.com", refreshed.Username);
    }

    [Fact]
    public async Task App_only_with_secret_gets_a_default_scope_token_with_roles_and_the_mailbox_as_user()
    {
        var server = Servers.Outgoing("alice@example.com", "notifications");
        var meta = await SignIn().ConnectAsync(server, new SignInRequest(SignInFlow.AppOnly), new TestInteraction(), default);
        Assert.True(meta.AppOnly);
        var cc = _lab.Authority.Requests.Last(r => r.GrantType == "client_credentials");
        Assert.Equal(OutlookScopes.AppOnly, cc.Form["scope"]);

        var token = await Provider().GetAccessTokenAsync(server, default);
        Assert.True(token.AppOnly);
        Assert.Equal("alice@example.com", token.Username);
        var (_, payload) = LabTokenIssuer.Decode(token.Value);
        Assert.Contains("SMTP.SendAsApp", payload["roles"]!.ToJsonString());
    }

    [Fact]
    public async Task App_only_with_a_certificate_sends_a_signed_assertion_and_no_secret()
    {
        var pfx = Path.Combine(_tmp.Root, "app.pfx");
        File.WriteAllBytes(pfx, _lab.ClientCertificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-pass"));
        _tmp.Store.SetSecret(TokenStore.CertificatePasswordName, "pfx-pass");
        var settings = _lab.Settings();
        settings.CertificatePath = pfx;
        var server = Servers.Incoming("bob@example.com");

        await SignIn(settings: settings).ConnectAsync(server, new SignInRequest(SignInFlow.AppOnly), new TestInteraction(), default);
        var cc = _lab.Authority.Requests.Last(r => r.GrantType == "client_credentials");
        Assert.Equal(200, cc.StatusCode);
        Assert.True(cc.Form.ContainsKey("client_assertion"));
        Assert.False(cc.Form.ContainsKey("client_secret"));

        var token = await Provider(settings).AcquireAsync(server, forceRefresh: true, default);
        Assert.True(token.AppOnly);
    }

    [Fact]
    public async Task Signing_in_as_another_account_is_refused_naming_both_and_nothing_is_stored()
    {
        var server = Servers.Outgoing("alice@example.com");
        var e = await Assert.ThrowsAsync<OAuthException>(() =>
            SignIn(new LabBrowser(_lab, "bob@example.com")).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("AccountMismatch", e.ErrorId);
        Assert.Contains("bob@example.com", e.Message);
        Assert.Contains("alice@example.com", e.Message);
        Assert.Null(_tmp.Store.ReadMetadata(server));
        Assert.Null(_tmp.Store.ReadCache(server));
        Assert.Equal(TokenStatus.Missing, new TokenStatusService(_tmp.Store).GetStatus(server));
    }

    [Fact]
    public async Task Device_code_as_another_account_is_refused_and_nothing_is_stored()
    {
        var server = Servers.Incoming("alice@example.com");
        var e = await Assert.ThrowsAsync<OAuthException>(() =>
            SignIn().ConnectAsync(server, new SignInRequest(SignInFlow.DeviceCode), new TestInteraction(_lab, "bob@example.com"), default));
        Assert.Equal("AccountMismatch", e.ErrorId);
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public async Task Account_check_is_case_insensitive()
    {
        var server = Servers.Outgoing("Alice@Example.COM");
        var meta = await SignIn(new LabBrowser(_lab, "alice@example.com")).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);
        Assert.Equal("alice@example.com", meta.SignedInAs);
    }

    [Fact]
    public async Task A_tampered_state_is_refused_before_the_code_is_redeemed()
    {
        var server = Servers.Outgoing("alice@example.com");
        var browser = new LabBrowser(_lab, "alice@example.com")
        {
            AlterRedirect = u => new Uri(System.Text.RegularExpressions.Regex.Replace(u.AbsoluteUri, "state=[^&]+", "state=forged-state-value")),
        };
        _lab.Authority.ClearRequests();
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("StateMismatch", e.ErrorId);
        Assert.DoesNotContain(_lab.Authority.Requests, r => r.GrantType == "authorization_code");
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public async Task A_missing_state_is_refused()
    {
        var server = Servers.Outgoing("alice@example.com");
        var browser = new LabBrowser(_lab, "alice@example.com")
        {
            AlterRedirect = u => new Uri(System.Text.RegularExpressions.Regex.Replace(u.AbsoluteUri, "&?state=[^&]+", "")),
        };
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("StateMismatch", e.ErrorId);
    }

    [Fact]
    public async Task A_code_bound_to_another_PKCE_challenge_is_refused_by_the_authority_and_nothing_is_stored()
    {
        var server = Servers.Outgoing("alice@example.com");
        var forged = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("attacker-verifier-attacker-verifier-attacker-verifier"u8.ToArray()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var browser = new LabBrowser(_lab, "alice@example.com")
        {
            AlterAuthorizeUrl = u => new Uri(System.Text.RegularExpressions.Regex.Replace(u.AbsoluteUri, "code_challenge=[^&]+", "code_challenge=" + forged)),
        };
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("AADSTS501481", e.ErrorId);
        Assert.Equal("501481", e.AadstsCode);
        Assert.Contains("PKCE", e.Hint);
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public async Task A_replayed_authorization_code_is_refused_as_already_redeemed()
    {
        var server = Servers.Outgoing("alice@example.com");
        var first = new LabBrowser(_lab, "alice@example.com");
        await SignIn(first).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);
        var oldCode = System.Web.HttpUtility.ParseQueryString(first.Redirects[0].Query)["code"]!;

        var replay = new LabBrowser(_lab, "alice@example.com")
        {
            AlterRedirect = u => new Uri(System.Text.RegularExpressions.Regex.Replace(u.AbsoluteUri, "code=[^&]+", "code=" + Uri.EscapeDataString(oldCode))),
        };
        var other = Servers.Incoming("alice@example.com");
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(replay).ConnectAsync(other, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("AADSTS54005", e.ErrorId);
        Assert.Contains("already redeemed", e.Hint);
        Assert.DoesNotContain(oldCode, e.ToString());
        Assert.Null(_tmp.Store.ReadMetadata(other));
    }

    [Fact]
    public async Task Sign_in_cancelled_on_the_authority_page_reports_the_error_and_stores_nothing()
    {
        var server = Servers.Outgoing("alice@example.com");
        var browser = new CancelBrowser(_lab);
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(browser).ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("AADSTS65004", e.ErrorId);
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public async Task No_browser_prints_the_url_keeps_listening_and_suggests_device_code()
    {
        var server = Servers.Outgoing("alice@example.com");
        var ui = new TestInteraction();
        var signIn = SignIn(new FailingBrowser());
        var connect = signIn.ConnectAsync(server, new SignInRequest(SignInFlow.Browser), ui, default);
        SignInMessage? shown = null;
        for (var i = 0; i < 200 && shown is null; i++)
        {
            shown = ui.Messages.FirstOrDefault(m => m.Kind == SignInMessageKind.BrowserUnavailable);
            if (shown is null) await Task.Delay(50);
        }
        Assert.NotNull(shown);
        Assert.Contains("-DeviceCode", shown!.Text);
        // the admin opens the printed URL by hand
        var location = await LabBrowser.SignInAsync(_lab, new Uri(shown.Url!), "alice@example.com", default);
        using (var http = new HttpClient()) (await http.GetAsync(location)).EnsureSuccessStatusCode();
        var meta = await connect;
        Assert.Equal("alice@example.com", meta.SignedInAs);
    }

    [Fact]
    public async Task No_browser_and_nobody_present_fails_at_once_with_the_device_code_hint_and_stores_nothing()
    {
        var server = Servers.Outgoing("alice@example.com");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn(new FailingBrowser())
            .ConnectAsync(server, new SignInRequest(SignInFlow.Browser) { PersonPresent = false }, new TestInteraction(), default));
        Assert.Equal("NoBrowser", e.ErrorId);
        Assert.Contains("-DeviceCode", e.Hint);
        Assert.Contains("xdg-open: not found", e.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}"); // not the 5-minute wait
        Assert.Null(_tmp.Store.ReadMetadata(server));
    }

    [Fact]
    public void The_device_code_message_names_a_time_zone_whatever_the_local_one()
    {
        var m = OutlookSignIn.DeviceCodeMessage(Servers.Incoming("bob@example.com"), "https://microsoft.com/devicelogin", "ABCD-1234",
            new DateTimeOffset(2026, 11, 29, 6, 30, 0, TimeSpan.FromHours(2)));
        Assert.Equal("To connect bob@example.com (incoming), open https://microsoft.com/devicelogin and enter the code ABCD-1234; it expires at 2026-11-29T04:30:00Z (UTC).", m.Text);
        Assert.Equal(("https://microsoft.com/devicelogin", "ABCD-1234"), (m.Url, m.UserCode));
    }

    [Fact]
    public async Task A_password_server_has_no_account_to_connect()
    {
        var server = Servers.Outgoing("alice@example.com");
        server.Authentication = ServerAuthentication.Password;
        var e = await Assert.ThrowsAsync<OAuthException>(() => SignIn().ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default));
        Assert.Equal("NotAnOutlookServer", e.ErrorId);
        Assert.Equal(TokenStatus.NotApplicable, new TokenStatusService(_tmp.Store).GetStatus(server));
    }

    sealed class FailingBrowser : IBrowserLauncher
    {
        public Task<BrowserLaunch> OpenAsync(Uri url, CancellationToken cancellationToken) =>
            Task.FromResult(new BrowserLaunch(false, "none", "xdg-open: not found"));
    }

    sealed class CancelBrowser(LabFixture lab) : IBrowserLauncher
    {
        public async Task<BrowserLaunch> OpenAsync(Uri url, CancellationToken cancellationToken)
        {
            using var http = lab.BrowserClient();
            using var post = await http.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "cancel" }), cancellationToken);
            using var plain = new HttpClient();
            using var r = await plain.GetAsync(post.Headers.Location, cancellationToken);
            return new BrowserLaunch(true, "lab browser");
        }
    }
}
