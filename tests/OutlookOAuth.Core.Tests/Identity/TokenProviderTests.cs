using System.Text;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>The provider the mail code calls: cached token while valid, refresh within the margin,
/// rotated refresh token persisted every time (also seen by a fresh store + fresh MSAL app reading the
/// same files), refusals recorded as Expired, app-only re-acquired by client credentials.</summary>
public sealed class TokenProviderTests : IClassFixture<LabFixture>, IDisposable
{
    readonly LabFixture _lab;
    readonly TempStore _tmp = new();

    public TokenProviderTests(LabFixture lab)
    {
        _lab = lab;
        _lab.Authority.ResetFaults();
        _lab.Authority.AccessTokenLifetime = TimeSpan.FromHours(1);
        _tmp.Store.SetSecret(TokenStore.ClientSecretName, LabFixture.Secret);
    }

    public void Dispose() => _tmp.Dispose();

    OutlookTokenProvider Provider(TokenStore? store = null) => new(_lab.Settings(), store ?? _tmp.Store, _lab.Apps());

    async Task ConnectAsync(OutlookOAuth.Configuration.MailServer server, string user = "alice@example.com") =>
        await new OutlookSignIn(_lab.Settings(), _tmp.Store, _lab.Apps(), new LabBrowser(_lab, user))
            .ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);

    [Fact]
    public async Task A_valid_access_token_is_served_from_the_store_without_network()
    {
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        _lab.Authority.ClearRequests();
        var a = await Provider().GetAccessTokenAsync(server, default);
        var b = await Provider(new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile)).GetAccessTokenAsync(server, default);
        Assert.Equal(a.Value, b.Value);
        Assert.Empty(_lab.Authority.Requests);
    }

    [Fact]
    public async Task A_token_inside_the_margin_is_refreshed_and_the_rotated_refresh_token_is_persisted_across_instances()
    {
        _lab.Authority.AccessTokenLifetime = TimeSpan.FromMinutes(4); // below the 5-minute margin
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        Assert.Equal(TokenStatus.Valid, new TokenStatusService(_tmp.Store).GetStatus(server));
        var cacheAfterSignIn = _tmp.Store.ReadCache(server)!;
        _lab.Authority.ClearRequests();

        // "process" 1: a fresh store and a fresh MSAL application read the files and refresh
        var t1 = await Provider(new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile)).GetAccessTokenAsync(server, default);
        var cacheAfterFirst = _tmp.Store.ReadCache(server)!;
        // "process" 2: again from the files only
        var t2 = await Provider(new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile)).GetAccessTokenAsync(server, default);

        var refreshes = _lab.Authority.Requests.Where(r => r.GrantType == "refresh_token").ToList();
        Assert.Equal(2, refreshes.Count);
        Assert.All(refreshes, r => Assert.Equal(200, r.StatusCode));
        // the second instance sent the refresh token issued to the first one, not the original
        Assert.NotEqual(refreshes[0].Form["refresh_token"], refreshes[1].Form["refresh_token"]);
        Assert.Contains(refreshes[1].Form["refresh_token"], Encoding.UTF8.GetString(cacheAfterFirst));
        Assert.DoesNotContain(refreshes[1].Form["refresh_token"], Encoding.UTF8.GetString(cacheAfterSignIn));
        Assert.True(t2.ExpiresOn >= t1.ExpiresOn);
        var meta = _tmp.Store.ReadMetadata(server)!;
        Assert.Equal(t2.ExpiresOn, meta.AccessTokenExpiresOn);
    }

    [Fact]
    public async Task A_refresh_in_another_OS_process_persists_the_rotated_refresh_token_that_this_process_then_uses()
    {
        // The store the module itself would open for this directory (platform protection where it works), as the child will.
        var store = new TokenStore(Path.Combine(_tmp.Root, "shared-tokens"));
        store.SetSecret(TokenStore.ClientSecretName, LabFixture.Secret);
        var server = Servers.Outgoing("alice@example.com");
        new OutlookOAuth.Configuration.ConfigurationStore(_tmp.ConfigPath).Update(c =>
        {
            c.Application.ClientId = _lab.Authority.ClientId;
            c.Application.Authority = _lab.Authority.Authority;
            c.OutgoingServers.Add(server);
        });
        await new OutlookSignIn(_lab.Settings(), store, _lab.Apps(), new LabBrowser(_lab, "alice@example.com"))
            .ConnectAsync(server, new SignInRequest(SignInFlow.Browser), new TestInteraction(), default);
        var caFile = Path.Combine(_tmp.Root, "lab-ca.pem");
        File.WriteAllText(caFile, _lab.Authority.CaCertificatePem);
        _lab.Authority.ClearRequests();

        // Another process (as a runbook's Connect-OutlookAccount -Silent would be), reading only the files.
        var (exit, output, error) = OutlookOAuth.Tests.TestProcess.Run(new Dictionary<string, string>
        {
            ["OUTLOOKOAUTH_CA_FILE"] = caFile, ["OUTLOOKOAUTH_TOKEN_STORE"] = store.Directory,
        }, "refresh", _tmp.ConfigPath, server.Name, "Outgoing");
        Assert.True(exit == 0, error);
        Assert.StartsWith("ok ", output);
        Assert.DoesNotContain("eyJ", output + error); // the child never prints a token

        // This process refreshes next: it must send the refresh token the child received (read from the store),
        // not the one it had itself before.
        await Provider(new TokenStore(store.Directory)).AcquireAsync(server, forceRefresh: true, default);
        var refreshes = _lab.Authority.Requests.Where(r => r.GrantType == "refresh_token").ToList();
        Assert.Equal(2, refreshes.Count);
        Assert.All(refreshes, r => Assert.Equal(200, r.StatusCode));
        Assert.NotEqual(refreshes[0].Form["refresh_token"], refreshes[1].Form["refresh_token"]);
    }

    [Fact]
    public async Task A_custom_margin_refreshes_earlier()
    {
        var server = Servers.Incoming("alice@example.com");
        await ConnectAsync(server);
        _lab.Authority.ClearRequests();
        var provider = new OutlookTokenProvider(_lab.Settings(), _tmp.Store, _lab.Apps()) { RefreshMargin = TimeSpan.FromHours(2) };
        await provider.GetAccessTokenAsync(server, default);
        Assert.Single(_lab.Authority.Requests, r => r.GrantType == "refresh_token");
    }

    [Fact]
    public async Task Refresh_proves_the_token_with_a_real_refresh()
    {
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        _lab.Authority.ClearRequests();
        var service = new TokenStatusService(_tmp.Store, Provider());
        Assert.Equal(TokenStatus.Valid, await service.RefreshAsync(server, default));
        Assert.Single(_lab.Authority.Requests, r => r.GrantType == "refresh_token" && r.StatusCode == 200);
    }

    [Fact]
    public async Task A_refresh_token_idle_for_90_days_is_AADSTS700082_reconnect_and_the_status_becomes_Expired()
    {
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        _lab.Authority.ExpireRefreshTokens("alice@example.com");
        var service = new TokenStatusService(_tmp.Store, Provider());
        var e = await Assert.ThrowsAsync<OAuthException>(() => service.RefreshAsync(server, default));
        Assert.Equal("AADSTS700082", e.ErrorId);
        Assert.Equal("700082", e.AadstsCode);
        Assert.Contains("Connect-OutlookAccount", e.Hint);
        Assert.Equal(TokenStatus.Expired, service.GetStatus(server));
        Assert.Equal("700082", _tmp.Store.ReadMetadata(server)!.RefreshRejectedCode);

        // reconnecting clears it
        await ConnectAsync(server);
        Assert.Equal(TokenStatus.Valid, service.GetStatus(server));
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_reported_with_the_fix_and_status_Expired()
    {
        var server = Servers.Incoming("bob@example.com");
        await ConnectAsync(server, "bob@example.com");
        _lab.Authority.RevokeRefreshTokens("bob@example.com");
        var e = await Assert.ThrowsAsync<OAuthException>(() => Provider().AcquireAsync(server, forceRefresh: true, default));
        Assert.Equal("AADSTS50173", e.ErrorId);
        Assert.Contains("Reconnect", e.Hint);
        Assert.Equal(TokenStatus.Expired, new TokenStatusService(_tmp.Store).GetStatus(server));
    }

    [Fact]
    public async Task MFA_required_on_refresh_says_to_sign_in_interactively()
    {
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        foreach (var code in new[] { 50076, 50079 })
        {
            _lab.Authority.FailNext("refresh_token", "interaction_required", code, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.");
            var e = await Assert.ThrowsAsync<OAuthException>(() => Provider().AcquireAsync(server, forceRefresh: true, default));
            Assert.Equal("AADSTS" + code, e.ErrorId);
            Assert.Contains("Multi-factor", e.Hint);
            Assert.Contains("-DeviceCode", e.Hint);
        }
    }

    [Fact]
    public async Task Not_connected_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<OAuthException>(() => Provider().GetAccessTokenAsync(Servers.Outgoing("alice@example.com"), default));
        Assert.Equal("NotConnected", e.ErrorId);
        Assert.Contains("Connect-OutlookAccount", e.Hint);
    }

    [Fact]
    public async Task App_only_tokens_are_re_acquired_by_client_credentials()
    {
        _lab.Authority.AccessTokenLifetime = TimeSpan.FromMinutes(2);
        var server = Servers.Outgoing("alice@example.com", "runbook");
        await new OutlookSignIn(_lab.Settings(), _tmp.Store, _lab.Apps()).ConnectAsync(server, new SignInRequest(SignInFlow.AppOnly), new TestInteraction(), default);
        _lab.Authority.ClearRequests();
        var t1 = await Provider().GetAccessTokenAsync(server, default);
        var t2 = await Provider().GetAccessTokenAsync(server, default);
        Assert.Equal(2, _lab.Authority.Requests.Count(r => r.GrantType == "client_credentials" && r.StatusCode == 200));
        Assert.DoesNotContain(_lab.Authority.Requests, r => r.GrantType == "refresh_token");
        Assert.True(t1.AppOnly && t2.AppOnly);
        Assert.Equal(TokenStatus.Refreshable, new TokenStatusService(_tmp.Store, clock: new FixedClock(DateTimeOffset.UtcNow.AddMinutes(10))).GetStatus(server));
    }

    [Fact]
    public async Task Concurrent_refreshes_of_one_server_are_serialized_and_keep_a_working_refresh_token()
    {
        _lab.Authority.AccessTokenLifetime = TimeSpan.FromMinutes(1);
        var server = Servers.Outgoing("alice@example.com");
        await ConnectAsync(server);
        var tasks = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            Provider(new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile)).AcquireAsync(server, forceRefresh: true, default))).ToArray();
        var tokens = await Task.WhenAll(tasks);
        Assert.All(tokens, t => Assert.Equal("alice@example.com", t.Username));
        var last = _lab.Authority.Requests.Where(r => r.GrantType == "refresh_token").ToList();
        Assert.Equal(6, last.Count);
        Assert.Equal(6, last.Select(r => r.Form["refresh_token"]).Distinct().Count()); // each used the previous rotation
    }
}

sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
