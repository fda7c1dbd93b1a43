using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>Set/Get-OutlookApplication in the core, and proof that no secret or token reaches the YAML,
/// the metadata, the messages shown to the admin or the exceptions.</summary>
public sealed class ApplicationAndHygieneTests : IClassFixture<LabFixture>, IDisposable
{
    readonly LabFixture _lab;
    readonly TempStore _tmp = new();

    public ApplicationAndHygieneTests(LabFixture lab)
    {
        _lab = lab;
        _lab.Authority.ResetFaults();
        _lab.Authority.AllowPublicClientFlows = true;
    }

    public void Dispose() => _tmp.Dispose();

    ConfigurationStore Config => new(_tmp.ConfigPath);
    const string AppId = "0b5e8a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c";

    [Fact]
    public void Set_saves_settings_to_the_yaml_and_the_secret_to_the_store_only()
    {
        var info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange
        {
            ClientId = _lab.Authority.ClientId, Tenant = "contoso.onmicrosoft.com", ClientSecret = LabFixture.Secret,
            SecretExpiresOn = DateTimeOffset.UtcNow.AddDays(30.5),
        });
        var yaml = File.ReadAllText(_tmp.ConfigPath);
        Assert.Contains(_lab.Authority.ClientId, yaml);
        Assert.Contains("contoso.onmicrosoft.com", yaml);
        Assert.DoesNotContain(LabFixture.Secret, yaml);
        Assert.Equal(LabFixture.Secret, _tmp.Store.GetSecret(TokenStore.ClientSecretName));
        Assert.True(info.ClientSecretStored);
        Assert.Equal(ClientCredentialKind.Secret, info.Credential);
        Assert.Equal("token store", info.CredentialSource);
        Assert.Equal(30, info.SecretExpiresInDays);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/", info.Authority);
        Assert.False(info.AuthorityIsExplicit);
        Assert.Equal(_tmp.Store.Directory, info.TokenStorePath);
        Assert.DoesNotContain(LabFixture.Secret, string.Join("|", typeof(OutlookApplicationInfo).GetProperties().Select(p => p.GetValue(info)?.ToString())));
    }

    [Fact]
    public void An_explicit_authority_wins_and_is_normalized()
    {
        OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = AppId, Tenant = "contoso.com" });
        var info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { Authority = _lab.Authority.Authority + "oauth2/v2.0/" });
        Assert.Equal(_lab.Authority.Authority, info.Authority);
        Assert.True(info.AuthorityIsExplicit);
        var labTenant = OutlookAuthority.Parse(_lab.Authority.Authority).Tenant;
        Assert.Equal(labTenant, info.Tenant); // never 'contoso.com' or 'common' beside another authority
        Assert.Equal(_lab.Authority.Authority, Config.Load().Application.Authority);
        info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { Tenant = "contoso.com" });
        Assert.Equal("https://login.microsoftonline.com/contoso.com/", info.Authority);
        Assert.False(info.AuthorityIsExplicit);
    }

    [Fact]
    public void The_environment_variable_source_replaces_the_stored_secret()
    {
        OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = AppId, ClientSecret = "stored-secret-1" });
        var info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientSecretFromEnvironment = "RUNBOOK_SECRET" },
            getEnvironment: n => n == "RUNBOOK_SECRET" ? "runbook-secret-value" : null);
        Assert.False(info.ClientSecretStored);
        Assert.Equal("environment variable RUNBOOK_SECRET", info.CredentialSource);
        Assert.Equal("RUNBOOK_SECRET", Config.Load().Application.ClientSecretEnvironmentVariable);
        info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientSecret = "stored-secret-2" });
        Assert.Null(Config.Load().Application.ClientSecretEnvironmentVariable);
        Assert.Equal("token store", info.CredentialSource);
    }

    [Fact]
    public void A_certificate_is_checked_with_its_password_before_anything_is_saved()
    {
        var pfx = Path.Combine(_tmp.Root, "app.pfx");
        File.WriteAllBytes(pfx, _lab.ClientCertificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "right"));
        var e = Assert.Throws<OAuthException>(() => OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = AppId, CertificatePath = pfx, CertificatePassword = "wrong" }));
        Assert.Equal("CertificateUnreadable", e.ErrorId);
        Assert.False(File.Exists(_tmp.ConfigPath));
        var info = OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = AppId, CertificatePath = pfx, CertificatePassword = "right" });
        Assert.Equal(ClientCredentialKind.Certificate, info.Credential);
        Assert.DoesNotContain("right", File.ReadAllText(_tmp.ConfigPath).Replace("certificatePath", ""));
        Assert.Equal("right", _tmp.Store.GetSecret(TokenStore.CertificatePasswordName));
    }

    [Theory]
    [InlineData("Authority", "http://insecure/t/", "InvalidAuthority")]
    [InlineData("Tenant", "no spaces please", "InvalidTenant")]
    [InlineData("CertificateThumbprint", "abc", "InvalidThumbprint")]
    [InlineData("ClientSecretFromEnvironment", "1-bad", "InvalidEnvironmentVariable")]
    [InlineData("ClientId", "has space", "InvalidClientId")]
    public void Invalid_values_are_refused_before_saving(string field, string value, string errorId)
    {
        var change = new ApplicationChange();
        typeof(ApplicationChange).GetProperty(field)!.SetValue(change, value);
        var e = Assert.Throws<ConfigurationValidationException>(() => OutlookApplication.Set(Config, _tmp.Store, change));
        Assert.Equal(errorId, e.ErrorId);
        Assert.False(File.Exists(_tmp.ConfigPath));
    }

    [Fact]
    public void Both_secret_sources_at_once_are_refused() =>
        Assert.Equal("ConflictingSecretSources", Assert.Throws<ConfigurationValidationException>(() =>
            OutlookApplication.Validate(new ApplicationChange { ClientSecret = "a", ClientSecretFromEnvironment = "B" })).ErrorId);

    [Fact]
    public async Task After_every_flow_no_secret_or_token_is_in_the_yaml_the_metadata_or_the_messages()
    {
        OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = _lab.Authority.ClientId, Authority = _lab.Authority.Authority, ClientSecret = LabFixture.Secret });
        var settings = Config.Load().Application;
        Config.Update(c =>
        {
            c.OutgoingServers.Add(Servers.Outgoing("alice@example.com"));
            c.IncomingServers.Add(Servers.Incoming("bob@example.com"));
        });
        var ui = new TestInteraction(_lab, "bob@example.com");
        var signIn = new OutlookSignIn(settings, _tmp.Store, _lab.Apps(), new LabBrowser(_lab, "alice@example.com"));
        await signIn.ConnectAsync(Servers.Outgoing("alice@example.com"), new SignInRequest(SignInFlow.Browser), ui, default);
        await signIn.ConnectAsync(Servers.Incoming("bob@example.com"), new SignInRequest(SignInFlow.DeviceCode), ui, default);
        await signIn.ConnectAsync(Servers.Outgoing("bob@example.com", "app"), new SignInRequest(SignInFlow.AppOnly), ui, default);
        var provider = new OutlookTokenProvider(settings, _tmp.Store, _lab.Apps());
        var tokens = new List<string>
        {
            (await provider.AcquireAsync(Servers.Outgoing("alice@example.com"), true, default)).Value,
            (await provider.AcquireAsync(Servers.Incoming("bob@example.com"), true, default)).Value,
            (await provider.AcquireAsync(Servers.Outgoing("bob@example.com", "app"), true, default)).Value,
        };
        var refreshTokens = _lab.Authority.Requests.Where(r => r.GrantType == "refresh_token").Select(r => r.Form["refresh_token"]).ToList();
        var codes = _lab.Authority.Requests.Where(r => r.GrantType == "authorization_code").Select(r => r.Form["code"]).ToList();
        Assert.NotEmpty(refreshTokens);
        Assert.NotEmpty(codes);

        var yaml = File.ReadAllText(_tmp.ConfigPath);
        var metadata = string.Join("\n", Directory.GetFiles(_tmp.Store.Directory, "*.json").Select(File.ReadAllText));
        var shown = ui.AllText();
        foreach (var secret in tokens.Concat(refreshTokens).Concat(codes).Append(LabFixture.Secret).Append(LabFixture.Password))
        {
            Assert.DoesNotContain(secret, yaml);
            Assert.DoesNotContain(secret, metadata);
            Assert.DoesNotContain(secret, shown);
        }
        // the tokens live in the store's protected items, and the refresh token sent there was rotated away
        var bobCache = Encoding.UTF8.GetString(_tmp.Store.ReadCache(Servers.Incoming("bob@example.com"))!);
        Assert.Contains("\"RefreshToken\"", bobCache);
        Assert.Equal(2, refreshTokens.Count);
        Assert.DoesNotContain(refreshTokens[1], bobCache);
        var access = await provider.GetAccessTokenAsync(Servers.Outgoing("alice@example.com"), default);
        Assert.DoesNotContain(access.Value, access.ToString());
    }

    /// <summary>The lab application in the configuration file, and alice's outgoing server signed in beside it.</summary>
    async Task<MailServer> SignInAlice()
    {
        OutlookApplication.Set(Config, _tmp.Store, new ApplicationChange { ClientId = _lab.Authority.ClientId, Authority = _lab.Authority.Authority, ClientSecret = LabFixture.Secret });
        var server = Servers.Outgoing("alice@example.com");
        await new OutlookSignIn(Config.Load().Application, _tmp.Store, _lab.Apps(), new LabBrowser(_lab, "alice@example.com"))
            .ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);
        return server;
    }

    [Fact]
    public async Task The_context_reads_the_configuration_and_the_store_beside_it()
    {
        var server = await SignInAlice();
        var provider = new ConfigurationContext(_tmp.ConfigPath, getEnvironment: _ => null).TokenProvider;
        Assert.Equal(_tmp.Store.Directory, provider.Store.Directory);
        Assert.Equal(TokenStatus.Valid, new TokenStatusService(provider.Store).GetStatus(server)); // served from the stored cache, no refresh needed
    }

    [Fact]
    public async Task A_server_piped_from_another_file_gets_its_token_from_that_files_store()
    {
        var server = await SignInAlice();

        // The command's own file is another one, in another folder, where alice never signed in.
        var own = Path.Combine(_tmp.Root, "other", "config.yaml");
        var contexts = new ConfigurationContexts(defaultPath: own, open: p => new ConfigurationContext(p, _lab.Apps(), getEnvironment: _ => null));
        var piped = server.Clone();
        piped.ConfigPath = _tmp.ConfigPath;
        var token = await contexts.GetAccessTokenAsync(piped, default);
        Assert.Equal("alice@example.com", token.Username);
        var e = await Assert.ThrowsAsync<OAuthException>(() => contexts.GetAccessTokenAsync(server, default)); // no ConfigPath: the command's file
        Assert.Equal("NotConnected", e.ErrorId);
    }
}
