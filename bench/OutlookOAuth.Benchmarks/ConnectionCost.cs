using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// CPU time and wall time per connection test: the runner tests 200 outgoing servers against
/// <see cref="FakeSubmissionServer"/> (10 ms per reply, 40 ms for AUTH), one at a time and 8 at a time, for a few
/// rounds after a warm-up round. CPU is the whole process (client and the in-process fixture server, TLS on both ends).
/// Run: dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- connection-cost [rounds]
/// </summary>
public static class ConnectionCost
{
    public static async Task RunAsync(int rounds)
    {
        using var server = new FakeSubmissionServer(roundTrip: TimeSpan.FromMilliseconds(10), authDelay: TimeSpan.FromMilliseconds(40));
        var servers = Enumerable.Range(0, ConnectionBenchmarks.ServerCount).Select(i => (MailServer)new OutgoingMailServer
        {
            Name = $"user{i}", Username = $"user{i}@contoso.com", FromFilter = $"user{i}@contoso.com", HostName = "127.0.0.1", Port = server.Port,
        }).ToList();
        var tester = new ConnectionTester(new StaticTokens(), new ConnectionTestOptions { Trust = server.Trust, Timeout = TimeSpan.FromSeconds(30) });
        await OnceAsync(tester, servers, 8); // warm-up: JIT, TLS, thread pool
        Console.WriteLine($"{"throttle",8} {"round",5} {"wall/test",10} {"cpu/test",9}");
        foreach (var throttle in new[] { 1, 8 })
        {
            var walls = new List<double>();
            var cpus = new List<double>();
            for (var r = 1; r <= rounds; r++)
            {
                var (wall, cpu) = await OnceAsync(tester, servers, throttle);
                walls.Add(wall);
                cpus.Add(cpu);
                Console.WriteLine($"{throttle,8} {r,5} {wall,7:0.0} ms {cpu,6:0.00} ms");
            }
            Console.WriteLine($"{throttle,8} {"mean",5} {walls.Average(),7:0.0} ms {cpus.Average(),6:0.00} ms");
        }
    }

    static async Task<(double WallMs, double CpuMs)> OnceAsync(ConnectionTester tester, List<MailServer> servers, int throttle)
    {
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var result in await ConnectionTestRunner.RunAsync(tester, servers, throttle))
            if (!result.Success) throw new InvalidOperationException($"{result.Name}: {result.ErrorId} {result.Message}");
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        return (wall.Elapsed.TotalMilliseconds / servers.Count, cpu.TotalMilliseconds / servers.Count);
    }

    sealed class StaticTokens : IAccessTokenProvider
    {
        public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJiZW5jaCJ9.c2lnbmF0dXJl", DateTimeOffset.UtcNow.AddHours(1), server.Username));
    }
}
