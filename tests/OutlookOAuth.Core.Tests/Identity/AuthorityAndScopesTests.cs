using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

public sealed class AuthorityAndScopesTests
{
    [Fact]
    public void Scopes_per_direction_are_Odoo_s_and_app_only_uses_default()
    {
        Assert.Equal(new[] { "offline_access", "https://outlook.office.com/SMTP.Send" }, OutlookScopes.Delegated(MailServerDirection.Outgoing));
        Assert.Equal(new[] { "offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All" }, OutlookScopes.Delegated(MailServerDirection.Incoming));
        Assert.Equal("https://outlook.office365.com/.default", OutlookScopes.AppOnly);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/", "https://login.microsoftonline.com/contoso.onmicrosoft.com/", "contoso.onmicrosoft.com")]
    [InlineData("https://login.microsoftonline.com/common/oauth2/v2.0", "https://login.microsoftonline.com/common/", "common")]
    [InlineData("https://login.microsoftonline.com/0b6a2f34-5c7d-4e8f-9a0b-1c2d3e4f5a6b", "https://login.microsoftonline.com/0b6a2f34-5c7d-4e8f-9a0b-1c2d3e4f5a6b/", "0b6a2f34-5c7d-4e8f-9a0b-1c2d3e4f5a6b")]
    [InlineData("https://127.0.0.1:5443/lab-tenant/", "https://127.0.0.1:5443/lab-tenant/", "lab-tenant")]
    [InlineData("https://localhost:5443/t/v2.0", "https://localhost:5443/t/", "t")]
    public void Authorities_are_normalized_to_what_MSAL_wants(string input, string msal, string tenant)
    {
        var a = OutlookAuthority.Parse(input);
        Assert.Equal(msal, a.MsalAuthority);
        Assert.Equal(tenant, a.Tenant);
        Assert.Equal(msal + "oauth2/v2.0/token", a.TokenEndpoint);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5443/t/", "https")]
    [InlineData("https://127.0.0.1:5443/", "no tenant")]
    [InlineData("https://host/prefix/tenant/", "sub-path")]
    [InlineData("not a url", "absolute")]
    public void Unusable_authorities_are_refused_with_the_reason(string input, string reason)
    {
        var e = Assert.Throws<ConfigurationValidationException>(() => OutlookAuthority.Parse(input));
        Assert.Equal("InvalidAuthority", e.ErrorId);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void The_tenant_builds_the_microsoft_authority_and_an_explicit_authority_wins()
    {
        var s = new OutlookApplicationSettings { Tenant = "contoso.com" };
        var a = OutlookAuthority.FromSettings(s);
        Assert.Equal("https://login.microsoftonline.com/contoso.com/", a.MsalAuthority);
        Assert.True(a.IsMicrosoft);
        Assert.False(a.IsMultiTenant);
        Assert.Equal("https://login.microsoftonline.com/common/", OutlookAuthority.FromSettings(new OutlookApplicationSettings()).MsalAuthority);
        s.Authority = "https://127.0.0.1:9999/lab/";
        Assert.False(OutlookAuthority.FromSettings(s).IsMicrosoft);
        Assert.Equal("lab", OutlookAuthority.FromSettings(s).Tenant);
    }

    [Fact]
    public void Admin_consent_link_uses_the_tenant_or_organizations()
    {
        Assert.Equal("https://login.microsoftonline.com/organizations/adminconsent?client_id=abc",
            OutlookAuthority.ForTenant("common").AdminConsentUrl("abc"));
        Assert.Equal("https://login.microsoftonline.com/contoso.com/adminconsent?client_id=abc",
            OutlookAuthority.ForTenant("contoso.com").AdminConsentUrl("abc"));
        Assert.Throws<ConfigurationValidationException>(() => OutlookAuthority.ForTenant("not a tenant!"));
    }

    [Theory]
    [InlineData(false, false, null, null, SignInFlow.Browser)]
    [InlineData(true, false, null, null, SignInFlow.AppOnly)]
    [InlineData(false, true, null, null, SignInFlow.DeviceCode)]
    [InlineData(false, false, "https://odoo.example.com/microsoft_outlook/confirm", null, SignInFlow.RedirectPaste)]
    [InlineData(false, false, "http://localhost:8400/cb", null, SignInFlow.Browser)]
    [InlineData(false, false, null, "https://odoo.example.com/microsoft_outlook/confirm", SignInFlow.RedirectPaste)]
    public void The_switches_choose_the_flow(bool appOnly, bool device, string? redirect, string? configured, SignInFlow flow) =>
        Assert.Equal(flow, SignInRequest.For(appOnly, device, redirect, new OutlookApplicationSettings { RedirectUri = configured }).Flow);

    [Fact]
    public void A_plain_http_non_loopback_redirect_is_refused() =>
        Assert.Equal("InvalidRedirectUri", Assert.Throws<OAuthException>(() => SignInRequest.For(false, false, "http://odoo.example.com/cb", new OutlookApplicationSettings())).ErrorId);

    [Fact]
    public void The_account_check_normalizes_case_and_idna()
    {
        Assert.True(AccountVerifier.Matches("Alice@Example.com", "alice@example.COM"));
        Assert.True(AccountVerifier.Matches("user@bücher.example", "user@xn--bcher-kva.example"));
        Assert.False(AccountVerifier.Matches("alice@example.com", "bob@example.com"));
        Assert.False(AccountVerifier.Matches("alice@example.com", null));
    }
}
