using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Tests.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>Get-OutlookMailServer only reads: without a token store it must not create one.</summary>
public class TokenStatusReadOnlyTests
{
    [Fact]
    public void Without_a_token_store_Outlook_servers_read_Missing_and_no_store_is_created()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config.yaml");
        var context = new ConfigurationContext(config, getEnvironment: _ => null);
        Assert.Null(context.StoredTokenStatus);
        Assert.False(Directory.Exists(TokenStore.ResolveDirectory(config, _ => null)));

        var outlook = new ServerSpec { Username = "a@example.com" }.CreateServer();
        var relay = new ServerSpec { Name = "relay", Username = "apikey", HostName = "smtp.relay.example", Authentication = ServerAuthentication.Password }.CreateServer();
        Assert.Equal(TokenStatus.Missing, TokenStatusService.StatusWithoutStore(outlook));
        Assert.Equal(TokenStatus.NotApplicable, TokenStatusService.StatusWithoutStore(relay));
    }

    [Fact]
    public void With_a_token_store_the_stored_state_is_read()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config.yaml");
        var store = new TokenStore(TokenStore.ResolveDirectory(config, _ => null), TokenStoreProtection.OwnerOnlyFile);
        var server = new ServerSpec { Username = "a@example.com" }.CreateServer();
        store.Save(server, new TokenMetadata { AccessTokenExpiresOn = DateTimeOffset.UtcNow.AddMinutes(30), HomeAccountId = "uid.utid" }, cache: new byte[] { 1 });

        var service = new ConfigurationContext(config, getEnvironment: _ => null).StoredTokenStatus;
        Assert.NotNull(service);
        Assert.Equal(TokenStatus.Valid, service!.GetStatus(server));
        var renamed = server.Clone();
        renamed.Name = "other";
        Assert.Equal(TokenStatus.Missing, service.GetStatus(renamed));
    }
}
