using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>Set-OutlookApplication's input rules: what is refused (with a hint) before anything is written, and what is
/// accepted with advice.</summary>
public sealed class ApplicationInputTests : IDisposable
{
    const string AppId = "0b5e8a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c";
    readonly TempStore _tmp = new();
    public void Dispose() => _tmp.Dispose();

    static ConfigurationValidationException Refused(ApplicationChange change, Func<string, string?>? env = null) =>
        Assert.Throws<ConfigurationValidationException>(() => OutlookApplication.Validate(change, env ?? (_ => null)));

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{0b5e8a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c}")]
    public void A_client_id_that_is_not_a_guid_is_refused(string clientId)
    {
        var e = Refused(new ApplicationChange { ClientId = clientId });
        Assert.Equal("InvalidClientId", e.ErrorId);
        Assert.Contains("Overview", e.Hint);
    }

    [Fact]
    public void Tenant_and_authority_together_are_refused() =>
        Assert.Equal("ConflictingAuthority", Refused(new ApplicationChange { ClientId = AppId, Tenant = "contoso.com", Authority = "https://login.microsoftonline.com/contoso.com/" }).ErrorId);

    [Fact]
    public void Certificate_path_and_thumbprint_together_are_refused() =>
        Assert.Equal("ConflictingCertificateSources", Refused(new ApplicationChange { CertificatePath = "/nonexistent.pfx", CertificateThumbprint = new string('A', 40) }).ErrorId);

    [Fact]
    public void An_unset_secret_variable_is_refused_and_a_set_one_accepted()
    {
        var e = Refused(new ApplicationChange { ClientSecretFromEnvironment = "OUTLOOK_SECRET" });
        Assert.Equal("EnvironmentVariableNotSet", e.ErrorId);
        Assert.Contains("OUTLOOK_SECRET", e.Message);
        Assert.NotNull(e.Hint);
        OutlookApplication.Validate(new ApplicationChange { ClientSecretFromEnvironment = "OUTLOOK_SECRET" }, n => n == "OUTLOOK_SECRET" ? "value~1" : null);
    }

    [Fact]
    public void A_guid_shaped_secret_is_accepted_with_advice_naming_AADSTS7000215()
    {
        var change = new ApplicationChange { ClientId = AppId, ClientSecret = "9a8b7c6d-1111-2222-3333-444455556666" };
        OutlookApplication.Validate(change, _ => null);
        var advice = Assert.Single(OutlookApplication.Advise(change, _ => null));
        Assert.Contains("AADSTS7000215", advice);
        Assert.Contains("Value", advice);
        Assert.DoesNotContain("9a8b7c6d", advice);
        Assert.Single(OutlookApplication.Advise(new ApplicationChange { ClientSecretFromEnvironment = "S" }, _ => "9a8b7c6d-1111-2222-3333-444455556666"));
        Assert.Empty(OutlookApplication.Advise(new ApplicationChange { ClientSecret = "Xy8Q~realLookingSecretValue.abc" }, _ => null));
    }

    [Fact]
    public void Get_shows_the_tenant_of_an_explicit_authority_never_common()
    {
        var config = new ConfigurationStore(_tmp.ConfigPath);
        var info = OutlookApplication.Set(config, _tmp.Store, new ApplicationChange { ClientId = AppId, Authority = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/" });
        Assert.Equal("contoso.onmicrosoft.com", info.Tenant);
        Assert.Equal("contoso.onmicrosoft.com", OutlookApplication.Describe(config.Load().Application, _tmp.Store, _tmp.ConfigPath).Tenant);
        info = OutlookApplication.Set(config, _tmp.Store, new ApplicationChange { Tenant = "fabrikam.com" });
        Assert.Equal(("fabrikam.com", "https://login.microsoftonline.com/fabrikam.com/", false), (info.Tenant, info.Authority, info.AuthorityIsExplicit));
    }

    [Fact]
    public void A_refused_change_writes_nothing()
    {
        var config = new ConfigurationStore(_tmp.ConfigPath);
        Assert.Throws<ConfigurationValidationException>(() => OutlookApplication.Set(config, _tmp.Store, new ApplicationChange { ClientId = "not-a-guid", ClientSecret = "s3cret-value" }));
        Assert.False(File.Exists(_tmp.ConfigPath));
        Assert.False(_tmp.Store.HasSecret(TokenStore.ClientSecretName));
    }
}
