using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Pipeline;
using OutlookOAuth.Tests.Pipeline;
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

    static string NameOf(object output) => ((ConnectionTestOutcome)output).Result.Name;

    [Fact]
    public async Task Never_more_than_the_throttle_limit_at_once_and_the_limit_is_used()
    {
        await using var server = SlowRefusing(150);
        var servers = Enumerable.Range(0, 12).Select(i => Server(server, "s" + i)).ToList();
        var results = await ConnectionTestRunner.RunAsync(Tester(), servers, throttleLimit: 3);
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
        using var channel = new PipelineChannel();
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 4, channel);
        runner.Add(Server(slow, "slow"));
        foreach (var i in Enumerable.Range(0, 3)) runner.Add(Server(fast, "fast" + i));
        var watch = Stopwatch.StartNew();
        TimeSpan? firstAt = null;
        var writer = new RecordingWriter { OnObject = _ => { firstAt ??= watch.Elapsed; return true; } };
        var all = runner.Complete();
        await Task.Run(() => channel.Drain(writer, all));
        var order = writer.Objects.Select(NameOf).ToList();
        Assert.Equal("slow", order[^1]);
        Assert.Equal(4, order.Count);
        Assert.True(firstAt < TimeSpan.FromSeconds(4), $"first result after {firstAt}"); // long before the slow one (6 s)
        Assert.Equal(4, runner.Finished);
        Assert.Matches("^[1-4] of 4 servers tested$", writer.Progress[0].Status); // the first (throttled) progress record
    }

    [Fact]
    public async Task Transcript_lines_travel_with_the_server_they_belong_to()
    {
        await using var server = SlowRefusing(0);
        using var channel = new PipelineChannel();
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 2, channel, transcript: true);
        runner.Add(Server(server, "one"));
        runner.Add(Server(server, "two"));
        var writer = new RecordingWriter();
        var all = runner.Complete();
        await Task.Run(() => channel.Drain(writer, all));
        var lines = writer.Lines.ToList();
        foreach (var name in new[] { "one", "two" })
        {
            var refusal = lines.FindIndex(l => l.StartsWith($"verbose:[{name}] ") && l.EndsWith("554 5.3.2 fixture busy"));
            var result = lines.FindIndex(l => l.StartsWith("output:") && l.Contains(name));
            Assert.True(refusal >= 0, string.Join("\n", lines));
            Assert.True(result > refusal, string.Join("\n", lines)); // the result comes after the server's transcript
        }
    }

    [Fact]
    public async Task Cancel_ends_the_tests_promptly_without_results()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        using var channel = new PipelineChannel();
        using var runner = new ConnectionTestRunner(Tester(timeout: 60), throttleLimit: 2, channel);
        foreach (var i in Enumerable.Range(0, 5)) runner.Add(Server(server, "s" + i));
        var all = runner.Complete();
        await Task.Delay(200);
        var watch = Stopwatch.StartNew();
        runner.Cancel();
        var writer = new RecordingWriter();
        await Task.Run(() => channel.Drain(writer, all));
        Assert.Empty(writer.Objects);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}"); // not the 60 s timeout
    }

    [Fact]
    public async Task Stopping_the_pipeline_stops_the_tests_promptly()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        using var stop = new CancellationTokenSource();
        using var channel = new PipelineChannel(stop.Token);
        using var runner = new ConnectionTestRunner(Tester(timeout: 60), throttleLimit: 2, channel);
        foreach (var i in Enumerable.Range(0, 5)) runner.Add(Server(server, "s" + i));
        var all = runner.Complete();
        await Task.Delay(200);
        var watch = Stopwatch.StartNew();
        stop.Cancel(); // Ctrl+C: StopProcessing
        var writer = new RecordingWriter();
        await Task.Run(() => channel.Drain(writer, all));
        Assert.True(all.IsCompleted);
        Assert.Empty(writer.Objects);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Servers_can_be_added_while_others_run()
    {
        await using var server = SlowRefusing(0);
        using var channel = new PipelineChannel();
        using var runner = new ConnectionTestRunner(Tester(), throttleLimit: 1, channel);
        var writer = new RecordingWriter();
        runner.Add(Server(server, "first"));
        var deadline = Stopwatch.StartNew();
        while (writer.Objects.Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            channel.Drain(writer);
        }
        runner.Add(Server(server, "second"));
        var all = runner.Complete();
        await Task.Run(() => channel.Drain(writer, all));
        Assert.Equal(["first", "second"], writer.Objects.Select(NameOf));
        Assert.Throws<InvalidOperationException>(() => runner.Add(Server(server, "late")));
    }
}
