using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// Test-OutlookConnection's runner on 200 outgoing servers, one at a time versus in parallel. The servers all point at
/// an in-process SMTP submission fixture on loopback that behaves like Microsoft 365 seen from a customer network:
/// every reply comes after a 10 ms round trip, AUTH after 40 ms (token validation), STARTTLS is a real TLS handshake.
/// Each probe is the full Odoo probe (EHLO, STARTTLS, EHLO, AUTH XOAUTH2, MAIL FROM, RCPT TO, DATA → 354, close).
/// Run: dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- --filter '*ConnectionBenchmarks*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class ConnectionBenchmarks
{
    public const int ServerCount = 200;
    FakeSubmissionServer _server = null!;
    List<MailServer> _servers = null!;
    ConnectionTester _tester = null!;

    [Params(1, 8, 16)]
    public int ThrottleLimit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new FakeSubmissionServer(roundTrip: TimeSpan.FromMilliseconds(10), authDelay: TimeSpan.FromMilliseconds(40));
        _servers = Enumerable.Range(0, ServerCount).Select(i => (MailServer)new OutgoingMailServer
        {
            Name = $"user{i}", Username = $"user{i}@contoso.com", FromFilter = $"user{i}@contoso.com", HostName = "127.0.0.1", Port = _server.Port,
        }).ToList();
        _tester = new ConnectionTester(new StaticTokens(), new ConnectionTestOptions { Trust = _server.Trust, Timeout = TimeSpan.FromSeconds(30) });
    }

    [Benchmark]
    public async Task<int> Test200Servers()
    {
        var ok = 0;
        foreach (var result in await ConnectionTestRunner.RunAsync(_tester, _servers, ThrottleLimit))
            if (result.Success) ok++;
            else throw new InvalidOperationException($"{result.Name}: {result.ErrorId} {result.Message}");
        return ok;
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    sealed class StaticTokens : IAccessTokenProvider
    {
        public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJiZW5jaCJ9.c2lnbmF0dXJl", DateTimeOffset.UtcNow.AddHours(1), server.Username));
    }
}

/// <summary>An SMTP submission server with STARTTLS and XOAUTH2 that answers after a fixed delay.</summary>
public sealed class FakeSubmissionServer : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly X509Certificate2 _certificate;
    readonly TimeSpan _roundTrip, _authDelay;

    public FakeSubmissionServer(TimeSpan roundTrip, TimeSpan authDelay)
    {
        (_roundTrip, _authDelay) = (roundTrip, authDelay);
        (_certificate, Trust) = BenchCertificates.Create();
        _listener.Start(1024);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }
    public CertificateTrust Trust { get; }

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    async Task ServeAsync(Socket socket)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            async Task Reply(string text, TimeSpan delay)
            {
                await Task.Delay(delay, _stop.Token);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"), _stop.Token);
            }
            async Task<string> Line()
            {
                var bytes = new List<byte>(64);
                var one = new byte[1];
                while (true)
                {
                    if (await stream.ReadAsync(one, _stop.Token) == 0) throw new IOException("closed");
                    if (one[0] == '\n') return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
                    bytes.Add(one[0]);
                }
            }
            await Reply("220 bench.outlook.test Microsoft ESMTP MAIL Service ready", _roundTrip);
            await Line();
            await Reply("250-bench.outlook.test Hello\r\n250-SIZE 157286400\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES", _roundTrip);
            await Line();
            await Reply("220 2.0.0 SMTP server ready", _roundTrip);
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
            stream = ssl;
            await Line();
            await Reply("250-bench.outlook.test Hello\r\n250-SIZE 157286400\r\n250-AUTH LOGIN XOAUTH2\r\n250 ENHANCEDSTATUSCODES", _roundTrip);
            if (!(await Line()).StartsWith("AUTH XOAUTH2 ", StringComparison.Ordinal)) return;
            await Reply("235 2.7.0 Authentication successful", _authDelay);
            await Line();
            await Reply("250 2.1.0 Sender OK", _roundTrip);
            await Line();
            await Reply("250 2.1.5 Recipient OK", _roundTrip);
            await Line();
            await Reply("354 Start mail input; end with <CRLF>.<CRLF>", _roundTrip);
            await Line(); // the client closes: nothing is sent
        }
        catch (Exception) { }
        finally { stream.Dispose(); }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
