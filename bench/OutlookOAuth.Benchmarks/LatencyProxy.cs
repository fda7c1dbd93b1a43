using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OutlookOAuth.Benchmarks;

/// <summary>A TCP relay on 127.0.0.1 that delivers every chunk <see cref="OneWay"/> after it was read, in order, in both
/// directions: a network round trip of 2 × OneWay between the client and the lab's server (TLS passes through untouched).</summary>
public sealed class LatencyProxy : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly int _target;

    public LatencyProxy(int targetPort, TimeSpan oneWay)
    {
        _target = targetPort;
        OneWay = oneWay;
        _listener.Start();
        _ = AcceptAsync();
    }

    public TimeSpan OneWay { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); } catch { return; }
            _ = Task.Run(async () =>
            {
                using var c = client;
                using var server = new TcpClient { NoDelay = true };
                c.NoDelay = true;
                await server.ConnectAsync(IPAddress.Loopback, _target);
                await Task.WhenAny(PumpAsync(c.GetStream(), server.GetStream()), PumpAsync(server.GetStream(), c.GetStream()));
            });
        }
    }

    async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data)>();
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync())
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                try { await to.WriteAsync(data); } catch { return; }
            }
            try { to.Socket.Shutdown(SocketShutdown.Send); } catch { }
        });
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
                queue.Writer.TryWrite((Stopwatch.GetTimestamp() + (long)(OneWay.TotalSeconds * Stopwatch.Frequency), buffer.AsSpan(0, n).ToArray()));
        }
        catch { }
        queue.Writer.TryComplete();
        await writer;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
