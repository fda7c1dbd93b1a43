using System.Net.Http;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using OutlookOAuth.Tests.Configuration;
using OutlookOAuth.Tests.Mail;
using Xunit;

namespace OutlookOAuth.Tests.EndToEnd;

/// <summary>
/// The README's quick start against the lab, through the same core calls the cmdlets make:
/// Set-OutlookApplication, Import-Csv | New-OutlookMailServer, Connect-OutlookAccount -DeviceCode (signing in on the
/// lab authority's device page), then Test-OutlookConnection against the lab's Postfix and Dovecot, which accept only
/// tokens signed by that authority. No token is minted by the test: every token comes from the OAuth flow. Each step
/// opens its own <see cref="ConfigurationContext"/>, as each cmdlet invocation does.
/// </summary>
[Collection(MailLabCollection.Name)]
public sealed class QuickStartTests(MailLabFixture lab)
{
    string Require(string name) => lab.Env(name) ?? throw new InvalidOperationException(
        $"The lab has no {name}: tests/lab/start.sh must start the OAuth authority (tests/OutlookOAuth.TestAuthority).");

    /// <summary>Plays the admin on the device-code page: user code, lab user, lab password.</summary>
    sealed class DevicePageUser(string user, string password, CertificateTrust trust) : ISignInInteraction
    {
        public List<SignInMessage> Messages { get; } = new();
        public Task? Approval { get; private set; }

        public void Notify(SignInMessage message)
        {
            lock (Messages) Messages.Add(message);
            if (message.Kind != SignInMessageKind.DeviceCode) return;
            Approval = Task.Run(async () =>
            {
                using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (m, c, ch, e) => trust.Validate(c, ch, e, out _) };
                using var http = new HttpClient(handler);
                using var page = await http.PostAsync(message.Url, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["user_code"] = message.UserCode!, ["username"] = user, ["password"] = password, ["action"] = "approve",
                }));
                page.EnsureSuccessStatusCode();
            });
        }

        public Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the device-code flow never asks for a pasted URL");
    }

    [Fact]
    public async Task Csv_servers_connected_by_device_code_pass_the_SMTP_and_IMAP_connection_tests()
    {
        using var dir = new TempDirectory();
        var configPath = dir.File("config.yaml");
        var apps = new MsalAppFactory(new TrustedHttpClientFactory(lab.Trust));
        ConfigurationContext Command() => new(configPath, apps);
        var secret = Require("OUTLOOKOAUTH_LAB_CLIENT_SECRET");
        var password = Require("OUTLOOKOAUTH_LAB_PASSWORD");

        // Set-OutlookApplication -ClientId ... -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret ...
        var set = Command();
        OutlookApplication.Set(set.Store, set.Tokens, new ApplicationChange
        {
            ClientId = Require("OUTLOOKOAUTH_LAB_CLIENT_ID"), Authority = Require("OUTLOOKOAUTH_LAB_AUTHORITY"), ClientSecret = secret,
        });

        // Import-Csv users.csv | New-OutlookMailServer   (alice: SMTP and IMAP on the lab ports)
        var batch = new ConfigurationBatch(Command().Store);
        batch.AddServer(new ServerSpec { Username = "alice@example.com", HostName = lab.Host, Port = lab.SmtpPort }, force: false);
        batch.AddServer(new ServerSpec { Username = "alice@example.com", Direction = MailServerDirection.Incoming, HostName = lab.Host, Port = lab.ImapPort }, force: false);
        Assert.Empty(batch.Commit());

        // | Connect-OutlookAccount -DeviceCode
        var connect = Command();
        var accounts = connect.Accounts;
        foreach (var server in connect.Load().AllServers)
        {
            Assert.Equal(TokenStatus.Missing, accounts.Describe(server).TokenStatus);
            var user = new DevicePageUser("alice@example.com", password, lab.Trust);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var connected = await accounts.ConnectAsync(server, SignInRequest.For(false, true, null, accounts.Application), user, timeout.Token);
            Assert.Equal(TokenStatus.Valid, connected.TokenStatus);
            Assert.Contains(user.Messages, m => m.Kind == SignInMessageKind.DeviceCode && m.UserCode is { Length: > 0 });
            await user.Approval!;
        }

        // | Test-OutlookConnection (each server gets its token through the context of its own file)
        var contexts = new ConfigurationContexts(open: path => new ConfigurationContext(path, apps));
        var tester = new ConnectionTester(contexts, new ConnectionTestOptions { Trust = lab.Trust, Timeout = TimeSpan.FromSeconds(20) });
        foreach (var server in contexts.For(configPath).Load().AllServers)
        {
            server.ConfigPath = configPath;
            var result = await tester.TestAsync(server);
            Assert.True(result.Success, $"{server}: {result.Stage} {result.ErrorId} {result.ReplyCode} {result.ServerText} {result.Message}");
            Assert.Equal(server.Direction == MailServerDirection.Outgoing ? ConnectionTestStage.Data : ConnectionTestStage.Select, result.Stage);
            Assert.True(result.TokenExpiresOn > DateTimeOffset.UtcNow);
        }

        // Nothing secret in the configuration file.
        var yaml = File.ReadAllText(configPath);
        Assert.DoesNotContain(secret, yaml);
        Assert.DoesNotContain("eyJ", yaml); // no JWT
    }

    [Fact]
    public async Task A_token_for_bob_is_refused_when_the_server_is_alices_and_nothing_is_stored()
    {
        using var dir = new TempDirectory();
        var configPath = dir.File("config.yaml");
        var set = new ConfigurationContext(configPath);
        OutlookApplication.Set(set.Store, set.Tokens, new ApplicationChange
        {
            ClientId = Require("OUTLOOKOAUTH_LAB_CLIENT_ID"), Authority = Require("OUTLOOKOAUTH_LAB_AUTHORITY"), ClientSecret = Require("OUTLOOKOAUTH_LAB_CLIENT_SECRET"),
        });
        var batch = new ConfigurationBatch(set.Store);
        var alice = batch.AddServer(new ServerSpec { Username = "alice@example.com", HostName = lab.Host, Port = lab.SmtpPort }, false);
        batch.Commit();

        var accounts = new ConfigurationContext(configPath, new MsalAppFactory(new TrustedHttpClientFactory(lab.Trust))).Accounts;
        var bob = new DevicePageUser("bob@example.com", Require("OUTLOOKOAUTH_LAB_PASSWORD"), lab.Trust);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var e = await Assert.ThrowsAsync<OAuthException>(() => accounts.ConnectAsync(alice, SignInRequest.For(false, true, null, accounts.Application), bob, timeout.Token));

        Assert.Contains("bob@example.com", e.Message);
        Assert.Contains("alice@example.com", e.Message);
        Assert.Equal(TokenStatus.Missing, accounts.Describe(alice).TokenStatus);
    }
}
