#nullable enable
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// Peak memory of sending one message with a 1 MB and with a 50 MB attachment (issue 10: under 2x). Each size runs in
/// its own child process (a fresh heap, so the peak working set is that send's alone); the child sends through
/// <see cref="MailSender"/> with STARTTLS and XOAUTH2 to an in-process submission sink that reads the data and throws it
/// away (the lab's Postfix refuses messages over 10 MB).
/// Run: dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- send-memory
/// </summary>
public static class SendMemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 1) return await ChildAsync(int.Parse(args[1]));
        var self = Environment.ProcessPath!;
        var dll = typeof(SendMemoryBenchmark).Assembly.Location;
        var results = new Dictionary<int, (long Peak, long Allocated, double Seconds)>();
        foreach (var mb in new[] { 1, 50 })
        {
            var start = new ProcessStartInfo(self) { RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(self) is "dotnet") start.ArgumentList.Add(dll);
            start.ArgumentList.Add("send-memory");
            start.ArgumentList.Add(mb.ToString());
            using var child = Process.Start(start)!;
            var output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            if (child.ExitCode != 0) throw new InvalidOperationException($"child for {mb} MB failed: {output}");
            var parts = output.Trim().Split(' ');
            results[mb] = (long.Parse(parts[0]), long.Parse(parts[1]), double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        Console.WriteLine("| attachment | peak working set | managed bytes allocated | send time |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        foreach (var (mb, r) in results)
            Console.WriteLine($"| {mb} MB | {r.Peak / 1048576.0:0.0} MB | {r.Allocated / 1048576.0:0.0} MB | {r.Seconds:0.00} s |");
        var ratio = (double)results[50].Peak / results[1].Peak;
        Console.WriteLine($"peak ratio 50 MB / 1 MB: {ratio:0.00} (target < 2)");
        return ratio < 2 ? 0 : 1;
    }

    static async Task<int> ChildAsync(int megabytes)
    {
        using var sink = new SubmissionSink();
        var dir = Directory.CreateTempSubdirectory("send-memory-");
        try
        {
            var path = Path.Combine(dir.FullName, $"attachment-{megabytes}mb.bin");
            await using (var file = File.Create(path))
            {
                var block = RandomNumberGenerator.GetBytes(1 << 20);
                for (var i = 0; i < megabytes; i++) await file.WriteAsync(block);
            }
            var config = new OutlookConfiguration();
            config.OutgoingServers.Add(new OutgoingMailServer { Name = "sink", Username = "bench@contoso.com", HostName = "127.0.0.1", Port = sink.Port });
            var connector = new MailClientConnector(new MailClientOptions { Trust = sink.Trust, Timeout = TimeSpan.FromSeconds(60) });
            using var sender = new MailSender(new StaticToken(), connector);
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            using (var mail = MailComposer.Prepare(new MailRequest
            {
                From = "bench@contoso.com", To = ["someone@partner.test"], Subject = "big", Body = "see attached", Attachments = [path],
            }, new MailSenderResolver(config)))
                await sender.SendAsync(mail, default);
            watch.Stop();
            if (sink.BytesReceived < megabytes * 1048576L) throw new InvalidOperationException($"the sink got {sink.BytesReceived} bytes");
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            Console.WriteLine(FormattableString.Invariant($"{process.PeakWorkingSet64} {GC.GetTotalAllocatedBytes(precise: true) - allocated} {watch.Elapsed.TotalSeconds}"));
            return 0;
        }
        finally { dir.Delete(recursive: true); }
    }

    internal sealed class StaticToken : IAccessTokenProvider
    {
        public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJiZW5jaCJ9.c2lnbmF0dXJl", DateTimeOffset.UtcNow.AddHours(1), server.Username));
    }

    /// <summary>SMTP submission with STARTTLS and XOAUTH2 that accepts every message and discards its data as it reads it.</summary>
    internal sealed class SubmissionSink : IDisposable
    {
        readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        readonly X509Certificate2 _certificate;
        long _bytes;

        public SubmissionSink()
        {
            (_certificate, Trust, Ca) = BenchCertificates.CreateWithCa();
            _listener.Start(512);
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync();
        }

        async Task AcceptAsync()
        {
            while (true)
            {
                Socket socket;
                try { socket = await _listener.AcceptSocketAsync(); }
                catch (Exception) { return; }
                _ = Task.Run(() => ServeAsync(socket));
            }
        }

        public int Port { get; }
        public CertificateTrust Trust { get; }
        /// <summary>The CA that signed the sink's certificate.</summary>
        public X509Certificate2 Ca { get; }
        public long BytesReceived => Interlocked.Read(ref _bytes);

        async Task ServeAsync(Socket socket)
        {
            using var _ = socket;
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            var reader = new LineReader(stream);
            async Task Say(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"));
            try
            {
                await Say("220 sink ESMTP");
                await reader.LineAsync();
                await Say("250-sink\r\n250-STARTTLS\r\n250 8BITMIME");
                await reader.LineAsync();
                await Say("220 2.0.0 ready");
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate });
                stream = ssl;
                reader = new LineReader(stream);
                while (await reader.LineAsync() is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO": await Say("250-sink\r\n250-AUTH XOAUTH2\r\n250 8BITMIME"); break;
                        case "AUTH": await Say("235 2.7.0 ok"); break;
                        case "DATA":
                            await Say("354 go ahead");
                            while (await reader.LineAsync() is { } data && data != ".") Interlocked.Add(ref _bytes, data.Length + 2);
                            await Say("250 2.0.0 discarded");
                            break;
                        case "QUIT": await Say("221 bye"); return;
                        default: await Say("250 ok"); break;
                    }
                }
            }
            catch (Exception) { }
            finally { stream.Dispose(); }
        }

        public void Dispose() => _listener.Stop();
    }

    /// <summary>ASCII lines from a stream with a fixed buffer (the sink must not grow with the message).</summary>
    sealed class LineReader(Stream stream)
    {
        readonly byte[] _buffer = new byte[65536];
        int _start, _end;
        readonly StringBuilder _line = new();

        public async Task<string?> LineAsync()
        {
            _line.Clear();
            while (true)
            {
                for (var i = _start; i < _end; i++)
                    if (_buffer[i] == '\n')
                    {
                        _line.Append(Encoding.ASCII.GetString(_buffer, _start, i - _start));
                        _start = i + 1;
                        return _line.ToString().TrimEnd('\r');
                    }
                _line.Append(Encoding.ASCII.GetString(_buffer, _start, _end - _start));
                _start = 0;
                _end = await stream.ReadAsync(_buffer);
                if (_end == 0) return _line.Length > 0 ? _line.ToString() : null;
            }
        }
    }
}
