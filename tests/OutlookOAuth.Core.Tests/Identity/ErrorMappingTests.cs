using System.Net;
using System.Net.Sockets;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>The errors admins actually hit, produced by the local authority (Entra-shaped bodies with
/// AADSTS codes) through MSAL, mapped to a message and the fix; nothing stored; no secret in the text.</summary>
public sealed class ErrorMappingTests : IClassFixture<LabFixture>, IDisposable
{
    readonly LabFixture _lab;
    readonly TempStore _tmp = new();

    public ErrorMappingTests(LabFixture lab)
    {
        _lab = lab;
        _lab.Authority.ResetFaults();
        _lab.Authority.AllowPublicClientFlows = true;
        _tmp.Store.SetSecret(TokenStore.ClientSecretName, LabFixture.Secret);
    }

    public void Dispose()
    {
        _lab.Authority.ResetFaults();
        _tmp.Dispose();
    }

    async Task<OAuthException> ConnectFails(SignInFlow flow, OutlookApplicationSettings? settings = null, MailServer? server = null, MsalAppFactory? apps = null)
    {
        server ??= Servers.Outgoing("alice@example.com");
        var signIn = new OutlookSignIn(settings ?? _lab.Settings(), _tmp.Store, apps ?? _lab.Apps(), new LabBrowser(_lab, "alice@example.com"));
        var e = await Assert.ThrowsAsync<OAuthException>(() =>
            signIn.ConnectAsync(server, new SignInRequest(flow) { Timeout = TimeSpan.FromSeconds(20) }, new TestInteraction(_lab, "alice@example.com"), default));
        Assert.Null(_tmp.Store.ReadMetadata(server));
        Assert.DoesNotContain(LabFixture.Secret, e.ToString());
        Assert.DoesNotContain(LabFixture.Secret, e.Hint ?? "");
        return e;
    }

    [Theory]
    [InlineData(50011, "invalid_request")]
    [InlineData(500112, "invalid_grant")]
    public async Task Redirect_mismatch_shows_the_redirect_uri_used(int code, string error)
    {
        _lab.Authority.FailNext("authorization_code", error, code, "The reply URL specified in the request does not match the reply URLs configured for the application.");
        var e = await ConnectFails(SignInFlow.Browser);
        Assert.Equal("AADSTS" + code, e.ErrorId);
        Assert.Matches(@"redirect URI used: http://localhost:\d+/", e.Message);
        Assert.Contains("http://localhost:", e.Hint);
        Assert.Contains("Register exactly this URI", e.Hint);
    }

    [Fact]
    public async Task Secret_id_instead_of_value_is_AADSTS7000215_with_the_fix()
    {
        _tmp.Store.SetSecret(TokenStore.ClientSecretName, "0b6a2f34-5c7d-4e8f-9a0b-1c2d3e4f5a6b");
        var e = await ConnectFails(SignInFlow.AppOnly);
        Assert.Equal("AADSTS7000215", e.ErrorId);
        Assert.Contains("secret's ID", e.Hint);
        Assert.Contains("Value", e.Hint);
        Assert.DoesNotContain("0b6a2f34-5c7d-4e8f-9a0b-1c2d3e4f5a6b", e.Message);
        Assert.DoesNotContain("aka.ms/msal-net-invalid-client", e.Message); // MSAL's preamble is dropped
    }

    [Fact]
    public async Task Expired_secret_is_AADSTS7000222_with_the_fix()
    {
        _lab.Authority.FailNext("authorization_code", "invalid_client", 7000222, "The provided client secret keys for app are expired.", 401);
        var e = await ConnectFails(SignInFlow.Browser);
        Assert.Equal("AADSTS7000222", e.ErrorId);
        Assert.Contains("-SecretExpiresOn", e.Hint);
    }

    [Fact]
    public async Task Device_code_without_public_client_flows_is_AADSTS7000218()
    {
        _lab.Authority.AllowPublicClientFlows = false;
        var e = await ConnectFails(SignInFlow.DeviceCode);
        Assert.Equal("AADSTS7000218", e.ErrorId);
        Assert.Contains("Allow public client flows", e.Hint);
    }

    [Fact]
    public async Task Secret_sent_to_a_public_client_is_AADSTS700025()
    {
        _lab.Authority.FailNext("authorization_code", "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.", 401);
        var e = await ConnectFails(SignInFlow.Browser);
        Assert.Equal("AADSTS700025", e.ErrorId);
        Assert.Contains("-RemoveClientSecret", e.Hint);
    }

    [Theory]
    [InlineData(65001)]
    [InlineData(90094)]
    [InlineData(90095)]
    public async Task Consent_required_gives_the_admin_consent_link(int code)
    {
        _lab.Authority.FailNext("authorization_code", "invalid_grant", code, "The user or administrator has not consented to use the application.");
        var e = await ConnectFails(SignInFlow.Browser);
        Assert.Equal("AADSTS" + code, e.ErrorId);
        Assert.Contains($"{_lab.Authority.BaseUri}/{_lab.Authority.TenantId}/adminconsent?client_id={_lab.Authority.ClientId}", e.Hint);
    }

    [Fact]
    public async Task Invalid_scope_names_the_right_scopes()
    {
        _lab.Authority.RejectScope("SMTP.Send");
        var e = await ConnectFails(SignInFlow.DeviceCode);
        Assert.Equal("AADSTS70011", e.ErrorId);
        Assert.Contains(OutlookScopes.SmtpSend, e.Hint);
        Assert.Contains(OutlookScopes.AppOnly, e.Hint);
    }

    [Fact]
    public async Task Single_tenant_app_with_common_says_to_set_the_tenant()
    {
        _lab.Authority.FailNext("client_credentials", "invalid_request", 50194, "Application is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'.");
        var e = await ConnectFails(SignInFlow.AppOnly);
        Assert.Equal("AADSTS50194", e.ErrorId);
        Assert.Contains("Set-OutlookApplication -Tenant", e.Hint);
    }

    [Fact]
    public async Task An_unreachable_authority_names_the_endpoint()
    {
        var port = FreePort();
        var settings = _lab.Settings();
        settings.Authority = $"https://127.0.0.1:{port}/{_lab.Authority.TenantId}/";
        var e = await ConnectFails(SignInFlow.AppOnly, settings);
        Assert.Equal("TokenEndpointUnreachable", e.ErrorId);
        Assert.Contains($"https://127.0.0.1:{port}/{_lab.Authority.TenantId}/oauth2/v2.0/token", e.Message);
    }

    [Fact]
    public async Task A_silent_authority_times_out_within_the_bound_and_names_the_endpoint()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () => { while (true) { try { accepted.Add(await silent.AcceptTcpClientAsync()); } catch { return; } } });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var settings = _lab.Settings();
        settings.Authority = $"https://127.0.0.1:{port}/{_lab.Authority.TenantId}/";
        var started = DateTime.UtcNow;
        var e = await ConnectFails(SignInFlow.AppOnly, settings, apps: _lab.Apps(TimeSpan.FromSeconds(1)));
        Assert.Equal("TokenEndpointTimeout", e.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
        foreach (var c in accepted) c.Dispose();
    }

    [Fact]
    public async Task An_untrusted_authority_certificate_is_refused_and_points_to_OUTLOOKOAUTH_CA_FILE()
    {
        var apps = new MsalAppFactory(new TrustedHttpClientFactory(new CertificateTrust()));
        var e = await ConnectFails(SignInFlow.AppOnly, apps: apps);
        Assert.Equal("AuthorityCertificateUntrusted", e.ErrorId);
        Assert.Contains("OUTLOOKOAUTH_CA_FILE", e.Hint);
    }

    [Fact]
    public async Task The_CA_file_variable_makes_the_authority_trusted()
    {
        var pem = Path.Combine(_tmp.Root, "lab-ca.pem");
        File.WriteAllText(pem, _lab.Authority.CaCertificatePem);
        var apps = new MsalAppFactory(new TrustedHttpClientFactory(CertificateTrust.FromPemFile(pem)));
        var server = Servers.Outgoing("alice@example.com");
        var meta = await new OutlookSignIn(_lab.Settings(), _tmp.Store, apps).ConnectAsync(server, new SignInRequest(SignInFlow.AppOnly), new TestInteraction(), default);
        Assert.True(meta.AppOnly);
    }

    [Fact]
    public async Task A_failing_authority_is_reported_as_unavailable()
    {
        _lab.Authority.FailNext("client_credentials", "server_error", 90033, "A transient error has occurred.", 503);
        _lab.Authority.FailNext("client_credentials", "server_error", 90033, "A transient error has occurred.", 503);
        var e = await ConnectFails(SignInFlow.AppOnly);
        Assert.Equal("TokenEndpointUnavailable", e.ErrorId);
        Assert.Contains("/oauth2/v2.0/token", e.Message);
    }

    [Fact]
    public async Task No_client_secret_for_the_browser_flow_says_how_to_store_one()
    {
        _tmp.Store.RemoveSecret(TokenStore.ClientSecretName);
        var e = await ConnectFails(SignInFlow.Browser);
        Assert.Equal("ClientCredentialMissing", e.ErrorId);
        Assert.Contains("Set-OutlookApplication -ClientSecret", e.Hint);
    }

    [Fact]
    public async Task An_unset_secret_environment_variable_is_named()
    {
        var settings = _lab.Settings();
        settings.ClientSecretEnvironmentVariable = "OUTLOOKOAUTH_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..6];
        var e = await ConnectFails(SignInFlow.AppOnly, settings);
        Assert.Equal("ClientSecretEnvironmentEmpty", e.ErrorId);
        Assert.Contains(settings.ClientSecretEnvironmentVariable, e.Message);
    }

    [Fact]
    public async Task The_secret_from_an_environment_variable_is_used()
    {
        var name = "OUTLOOKOAUTH_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..6];
        var settings = _lab.Settings();
        settings.ClientSecretEnvironmentVariable = name;
        _tmp.Store.RemoveSecret(TokenStore.ClientSecretName);
        var server = Servers.Outgoing("alice@example.com");
        var env = new Dictionary<string, string> { [name] = LabFixture.Secret };
        var meta = await new OutlookSignIn(settings, _tmp.Store, _lab.Apps(), getEnvironment: k => env.GetValueOrDefault(k))
            .ConnectAsync(server, new SignInRequest(SignInFlow.AppOnly), new TestInteraction(), default);
        Assert.True(meta.AppOnly);
    }

    [Fact]
    public void Unknown_codes_keep_the_number_and_the_text_and_secrets_are_scrubbed()
    {
        var context = new OAuthContext(OutlookAuthority.Parse("https://login.microsoftonline.com/contoso.com/"), "cid", "refresh") { Secrets = new[] { "s3cr3t-value" } };
        var e = OAuthErrorMap.FromEntra("invalid_request", null, "AADSTS999999: something about s3cr3t-value happened.\r\nTrace ID: x\r\nCorrelation ID: y\r\nTimestamp: z", 400, context);
        Assert.Equal("AADSTS999999", e.ErrorId);
        Assert.Equal("999999", e.AadstsCode);
        Assert.Contains("something about *** happened.", e.Message);
        Assert.DoesNotContain("Trace ID", e.Message);
        Assert.Contains("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", e.Message);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
