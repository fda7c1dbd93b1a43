using System.Net;
using System.Net.Sockets;

namespace OutlookOAuth.Tests.Mail.Receiving;

/// <summary>A TCP relay to the lab's Dovecot that cuts the connection (both sides) once the server has sent
/// <see cref="CutAfterServerBytes"/> bytes: a connection lost in the middle of a FETCH, which the real server does not do on its own.
/// After <c>connections</c> connections it closes every new one at once (the server is gone).</summary>
public sealed class CuttingRelay : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly int _target;
    int _connections;

    public CuttingRelay(int targetPort, long cutAfterServerBytes, int connections = int.MaxValue)
    {
        _target = targetPort;
        _connections = connections;
        CutAfterServerBytes = cutAfterServerBytes;
        _listener.Start();
        _ = AcceptAsync();
    }

    public long CutAfterServerBytes { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
            if (_connections-- <= 0)
            {
                client.Dispose();
                continue;
            }
            _ = Task.Run(async () =>
            {
                using var c = client;
                using var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _target);
                var up = Pump(c.GetStream(), server.GetStream(), long.MaxValue);
                var down = Pump(server.GetStream(), c.GetStream(), CutAfterServerBytes);
                await Task.WhenAny(up, down);
                c.Client.Close();
                server.Client.Close();
            });
        }
    }

    static async Task Pump(NetworkStream from, NetworkStream to, long limit)
    {
        var buffer = new byte[16384];
        long total = 0;
        try
        {
            int n;
            while (total < limit && (n = await from.ReadAsync(buffer)) > 0)
            {
                var take = (int)Math.Min(n, limit - total);
                await to.WriteAsync(buffer.AsMemory(0, take));
                total += take;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { }
    }

    public void Dispose() => _listener.Stop();
}
