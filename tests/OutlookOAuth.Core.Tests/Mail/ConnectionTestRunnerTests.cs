using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

public class ConnectionTestRunnerTests
{
    static ConnectionTester Tester(double timeout = 10) =>
        new(new FixedTokenProvider("eyJ0eXAiOiJKV1QifQ.e30.c2ln"), new ConnectionTestOptions { Trust = TestCertificates.Trust, Timeout = TimeSpan.FromSeconds(timeout) });

    static OutgoingMailServer Server(ScriptedServer s, string name) =>
        new() { Name = name, Username = "a@contoso.com", FromFilter = "a@contoso.com", HostName = s.Host, Port = s.Port };

    /// <summary>Holds each connection for a while, then refuses the session (a fast, deterministic result). The connection
    /// stops counting as active just before the refusal: the client holds its slot until it has read it.</summary>
    static ScriptedServer SlowRefusing(int delayMs) => new(async c =>
    {
        await Task.Delay(delayMs, c.Stop);
        c.Finished();
        await c.SendAsync("554 5.3.2 fixture busy");
        await c.ReadLineAsync();
    });

    [Fact]
    public async Task Never_more_than_the_throttle_limit_at_once_and_the_limit_is_used()
    {
        await using var server = SlowRefusing(150);
        var servers = Enumerable.Range(0, 12).Select(i => Server(server, "s" + i)).ToList();
        var results = new List<ConnectionTestResult>();
        await foreach (var r in ConnectionTestRunner.RunAsync(Tester(), servers, throttleLimit: 3))
            results.Add(r);
        Assert.Equal(12, results.Count);
        Assert.Equal(servers.Select(s => s.Name).Order(), results.Select(r => r.Name).Order());
        Assert.All(results, r => Assert.Equal("ConnectionRejected", r.ErrorId));
        Assert.Equal(3, server.MaxConcurrent);
    }

    [Fact]
    public async Task Results_stream_as_they_complete()
    {
        await using var slow = SlowRefusing(6000);
        await using var fast = SlowRefusing(0);
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 4);
        runner.Add(Server(slow, "slow"));
        foreach (var i in Enumerable.Range(0, 3)) runner.Add(Server(fast, "fast" + i));
        runner.Complete();
        var order = new List<string>();
        var watch = Stopwatch.StartNew();
        TimeSpan? firstAt = null;
        await foreach (var e in runner.Events.ReadAllAsync())
            if (e.Result is { } r)
            {
                firstAt ??= watch.Elapsed;
                order.Add(r.Name);
            }
        Assert.Equal("slow", order[^1]);
        Assert.Equal(4, order.Count);
        Assert.True(firstAt < TimeSpan.FromSeconds(4), $"first result after {firstAt}"); // long before the slow one (6 s)
        Assert.Equal(4, runner.Finished);
    }

    [Fact]
    public async Task Transcript_lines_travel_with_the_server_they_belong_to()
    {
        await using var server = SlowRefusing(0);
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 2, transcript: true);
        runner.Add(Server(server, "one"));
        runner.Add(Server(server, "two"));
        runner.Complete();
        var events = new List<ConnectionTestEvent>();
        await foreach (var e in runner.Events.ReadAllAsync()) events.Add(e);
        foreach (var name in new[] { "one", "two" })
        {
            var mine = events.Where(e => e.Server.Name == name).ToList();
            Assert.Contains(mine, e => e.Transcript?.Text == "554 5.3.2 fixture busy");
            Assert.NotNull(mine[^1].Result); // the result comes after the server's transcript
        }
    }

    [Fact]
    public async Task Cancel_ends_the_stream_promptly_without_results()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        using var runner = new ConnectionTestRunner(Tester(timeout: 60), throttleLimit: 2);
        foreach (var i in Enumerable.Range(0, 5)) runner.Add(Server(server, "s" + i));
        runner.Complete();
        await Task.Delay(200);
        var watch = Stopwatch.StartNew();
        runner.Cancel();
        var results = 0;
        await foreach (var e in runner.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
            if (e.Result is not null) results++;
        Assert.Equal(0, results);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}"); // not the 60 s timeout
    }

    [Fact]
    public async Task Servers_can_be_added_while_others_run()
    {
        await using var server = SlowRefusing(0);
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 1);
        runner.Add(Server(server, "first"));
        var first = await runner.Events.ReadAsync();
        while (first.Result is null) first = await runner.Events.ReadAsync();
        runner.Add(Server(server, "second"));
        runner.Complete();
        var names = new List<string>();
        await foreach (var e in runner.Events.ReadAllAsync()) if (e.Result is { } r) names.Add(r.Name);
        Assert.Equal(["second"], names);
        Assert.Throws<InvalidOperationException>(() => runner.Add(Server(server, "late")));
    }
}
