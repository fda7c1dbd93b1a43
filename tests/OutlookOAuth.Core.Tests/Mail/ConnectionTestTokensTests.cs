using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

[Collection(nameof(ConnectionTestTokensTests))]
[CollectionDefinition(nameof(ConnectionTestTokensTests), DisableParallelization = true)]
public class ConnectionTestTokensTests
{
    [Fact]
    public async Task Routes_each_server_to_the_provider_of_its_configuration_file()
    {
        var saved = ConnectionTestTokens.Factory;
        var made = new List<string>();
        try
        {
            ConnectionTestTokens.Factory = path => { lock (made) made.Add(path); return new FixedTokenProvider(s => new AccessToken("t-" + path, DateTimeOffset.UtcNow, s.Username)); };
            var tokens = ConnectionTestTokens.ForConfiguration("/default.yaml");
            var a = await tokens.GetAccessTokenAsync(new OutgoingMailServer { Username = "a@x.com", ConfigPath = "/a.yaml" }, default);
            var b = await tokens.GetAccessTokenAsync(new IncomingMailServer { Username = "b@x.com" }, default);
            var a2 = await tokens.GetAccessTokenAsync(new IncomingMailServer { Username = "a@x.com", ConfigPath = "/a.yaml" }, default);
            Assert.Equal(("t-/a.yaml", "t-/default.yaml", "t-/a.yaml"), (a.Value, b.Value, a2.Value));
            Assert.Equal(["/a.yaml", "/default.yaml"], made); // one provider per file
        }
        finally { ConnectionTestTokens.Factory = saved; }
    }

    [Fact]
    public async Task Without_a_factory_the_test_reports_a_token_error_instead_of_crashing()
    {
        var saved = ConnectionTestTokens.Factory;
        try
        {
            ConnectionTestTokens.Factory = null;
            var tester = new ConnectionTester(ConnectionTestTokens.ForConfiguration("/c.yaml"));
            var result = await tester.TestAsync(new OutgoingMailServer { Name = "s", Username = "a@x.com", HostName = "127.0.0.1", Port = 1 });
            Assert.Equal((ConnectionTestStage.Token, "TokenProviderUnavailable"), (result.Stage, result.ErrorId));
        }
        finally { ConnectionTestTokens.Factory = saved; }
    }
}
