using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Issue 16 item 8: -TimeoutSeconds N bounds a whole stage to N s. Against a server that accepts the connection
/// and never says a word, IMAP took 5 N (the greeting exchange had five times the limit) while SMTP took N.</summary>
public class StageTimeoutTests
{
    const string User = "sales@contoso.com";
    const string Token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJzYWxlcyJ9.c2ln";

    static ScriptedServer Silent() => new(c => c.StallAsync());

    static IncomingMailServer Imap(ScriptedServer server, bool ssl) =>
        new() { Name = "inbox", Username = User, HostName = server.Host, Port = server.Port, Ssl = ssl };

    static OutgoingMailServer Smtp(ScriptedServer server) =>
        new() { Name = "sales", Username = User, FromFilter = User, HostName = server.Host, Port = server.Port };

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public async Task An_IMAP_server_that_never_answers_times_out_within_the_limit(bool ssl, int seconds)
    {
        await using var server = Silent();
        var connector = new MailClientConnector(new MailClientOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(seconds) });
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            connector.ConnectImapAsync(Imap(server, ssl), new FixedTokenProvider(Token), null, default));
        watch.Stop();
        Assert.Equal(MailFailure.Timeout, e.Failure);
        Assert.Contains($"within {seconds} s", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(seconds + 1.5), $"-TimeoutSeconds {seconds} took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task An_SMTP_server_that_never_answers_times_out_within_the_limit()
    {
        await using var server = Silent();
        var connector = new MailClientConnector(new MailClientOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(1) });
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MailProtocolException>(() =>
            connector.ConnectSmtpAsync(Smtp(server), new FixedTokenProvider(Token), null, default));
        Assert.Equal(MailFailure.Timeout, e.Failure);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Test_OutlookConnection_core_stops_an_IMAP_server_that_never_answers_within_the_limit(bool ssl)
    {
        await using var server = Silent();
        var tester = new ConnectionTester(new FixedTokenProvider(Token), new ConnectionTestOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(1) });
        var watch = Stopwatch.StartNew();
        var result = await tester.TestAsync(Imap(server, ssl));
        Assert.False(result.Success);
        Assert.Equal(ssl ? ConnectionTestStage.Tls : ConnectionTestStage.Connect, result.Stage);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"took {watch.Elapsed.TotalSeconds:0.0} s");
    }
}
