using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using OutlookOAuth.Mail.Receiving;
using OutlookOAuth.Security;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// Receive-OutlookMail's engine against the lab's Dovecot (load the lab's environment first), compared in the same run
/// with what a script does with the same library (MailKit): one UID FETCH of the body and one UID STORE \Seen per message,
/// each body saved the same way (temp file, flush, rename). Then peak memory of the engine for 200 and 2,000 messages,
/// each in a fresh process.
///   dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- receive [messages=2000] [rounds=2]
/// </summary>
public static class ReceiveBench
{
    public static async Task RunAsync(string[] args)
    {
        if (args.Length > 1 && args[0] == "receive-memory") { await MemoryChildAsync(args[1], int.Parse(args[2])); return; }
        var count = args.Length > 1 ? int.Parse(args[1]) : 2000;
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 2;
        var lab = Lab.FromEnvironment();
        var user = $"bench-receive-{Guid.NewGuid().ToString("N")[..8]}@example.com";
        Console.WriteLine($"Appending {count} messages to {user} ...");
        await lab.AppendAsync(user, count);
        var rtt = args.Length > 3 ? int.Parse(args[3]) : 20;
        foreach (var (label, port) in new[] { ("loopback", 0), ($"{rtt} ms round trip", -1) })
        {
            using var proxy = port == 0 ? null : new LatencyProxy(lab.Port, TimeSpan.FromMilliseconds(rtt / 2.0));
            var via = proxy?.Port ?? lab.Port;
            var engine = new List<double>();
            var loop = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                engine.Add(await TimeAsync(lab, user, count, dir => Task.Run(() => EngineOnce(lab, user, dir, out _, via))));
                loop.Add(await TimeAsync(lab, user, count, dir => PerMessageLoopAsync(lab, user, dir, via)));
                Console.WriteLine($"{label}, round {r + 1}: engine {engine[^1]:0.00} s, per-message loop {loop[^1]:0.00} s, ratio {loop[^1] / engine[^1]:0.0}x");
            }
            Console.WriteLine($"{label}: receive {count} with -Destination: engine mean {engine.Average():0.00} s ({1000 * engine.Average() / count:0.00} ms/msg), " +
                              $"per-message loop mean {loop.Average():0.00} s ({1000 * loop.Average() / count:0.00} ms/msg), speed-up {loop.Average() / engine.Average():0.0}x");
        }

        // Peak memory: a fresh process per size, receiving from its own mailbox.
        var small = $"bench-mem200-{Guid.NewGuid().ToString("N")[..8]}@example.com";
        await lab.AppendAsync(small, count / 10);
        var peakSmall = Child(small, count / 10);
        var peakLarge = Child(user, count);
        Console.WriteLine($"peak working set: {count / 10} messages {peakSmall / 1048576.0:0.0} MB, {count} messages {peakLarge / 1048576.0:0.0} MB, ratio {(double)peakLarge / peakSmall:0.00}");
    }

    static async Task<double> TimeAsync(Lab lab, string user, int count, Func<string, Task> receive)
    {
        await lab.MarkAllUnseenAsync(user);
        var dir = Path.Combine(Path.GetTempPath(), "bench-receive-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var sw = Stopwatch.StartNew();
            await receive(dir);
            sw.Stop();
            var files = Directory.GetFiles(dir).Length;
            if (files != count) throw new InvalidOperationException($"{files} files saved, {count} expected");
            if (await lab.CountUnseenAsync(user) != 0) throw new InvalidOperationException("messages left unread");
            return sw.Elapsed.TotalSeconds;
        }
        finally { Directory.Delete(dir, true); }
    }

    static ReceiveSummary EngineOnce(Lab lab, string user, string dir, out int delivered, int? port = null)
    {
        var sink = new CountingSink();
        var summary = new MailReceiver(lab.Tokens, lab.Options).Receive(lab.Server(user, port), new ReceiveOptions { Destination = dir, Limit = 0 }, sink);
        delivered = sink.Count;
        return summary;
    }

    /// <summary>The baseline: a script's loop with MailKit, one round trip per message (UID FETCH BODY.PEEK[]), the body saved
    /// the same way; generous to it, all are flagged \Seen with one STORE at the end (a safe script flags each one: a second round trip).</summary>
    static async Task PerMessageLoopAsync(Lab lab, string user, string dir, int port)
    {
        using var imap = await new MailClientConnector(lab.Options).ConnectAsync(lab.Server(user, port), lab.Tokens, null, _ => new ImapClient(), default);
        await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await imap.Inbox.SearchAsync(SearchQuery.NotSeen);
        foreach (var uid in uids)
        {
            var message = await imap.Inbox.GetMessageAsync(uid);
            var path = Path.Combine(dir, MailReceiver.FileName(message.Date, SHA256.HashData(Encoding.UTF8.GetBytes($"{imap.Inbox.UidValidity}-{uid.Id}"))));
            var temp = path + ".tmp";
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await message.WriteToAsync(file);
                file.Flush(true);
            }
            File.Move(temp, path, true);
        }
        await imap.Inbox.AddFlagsAsync(uids, MessageFlags.Seen, true);
        await imap.DisconnectAsync(true);
    }

    static long Child(string user, int count)
    {
        var self = Environment.ProcessPath!;
        var dll = typeof(ReceiveBench).Assembly.Location;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(dll);
        foreach (var a in new[] { "receive-memory", user, count.ToString() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = output.Split('\n').Last(l => l.StartsWith("peak ", StringComparison.Ordinal));
        return long.Parse(line.Split(' ')[1]);
    }

    static async Task MemoryChildAsync(string user, int count)
    {
        var lab = Lab.FromEnvironment();
        await lab.MarkAllUnseenAsync(user);
        var dir = Path.Combine(Path.GetTempPath(), "bench-receive-mem-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            EngineOnce(lab, user, dir, out var delivered);
            if (delivered != count) throw new InvalidOperationException($"{delivered} received, {count} expected");
            using var me = Process.GetCurrentProcess();
            me.Refresh();
            Console.WriteLine($"peak {me.PeakWorkingSet64}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    sealed class CountingSink : IReceiveSink
    {
        public int Count;
        public bool Deliver(ReceivedMessage message) { Count++; return true; }
        public void Failed(MessageReceiveException error) => throw error;
        public void Progress(ReceiveProgress progress) { }
    }

    /// <summary>The lab from its environment (lab.env loaded): server, trust and tokens signed with the lab authority's key.</summary>
    sealed class Lab
    {
        RSA _key = null!;
        string _kid = "", _issuer = "", _host = "127.0.0.1";
        int _port;
        public MailClientOptions Options { get; private set; } = null!;
        public IAccessTokenProvider Tokens => new LabTokens(this);

        public static Lab FromEnvironment()
        {
            string Get(string n) => Environment.GetEnvironmentVariable(n) ?? throw new InvalidOperationException($"{n} is not set: load the lab's lab.env first.");
            var lab = new Lab { _kid = Get("OUTLOOKOAUTH_LAB_KEY_ID"), _issuer = Get("OUTLOOKOAUTH_LAB_ISSUER"), _port = int.Parse(Get("OUTLOOKOAUTH_LAB_IMAP_PORT")) };
            lab._key = RSA.Create();
            lab._key.ImportFromPem(File.ReadAllText(Get("OUTLOOKOAUTH_LAB_SIGNING_KEY")));
            lab.Options = new MailClientOptions { Trust = CertificateTrust.FromPemFile(Get("OUTLOOKOAUTH_CA_FILE")), Timeout = TimeSpan.FromSeconds(60) };
            return lab;
        }

        public int Port => _port;

        public IncomingMailServer Server(string user, int? port = null) => new() { Name = user, Username = user, HostName = _host, Port = port ?? _port, Ssl = true };

        public string Token(string user)
        {
            static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var header = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = _kid }));
            var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
                { ["iss"] = _issuer, ["sub"] = "bench", ["iat"] = now, ["exp"] = now + 3600, ["upn"] = user, ["scope"] = "IMAP.AccessAsUser.All" }));
            var signature = B64(_key.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            return $"{header}.{payload}.{signature}";
        }

        async Task<ImapClient> ConnectAsync(string user) => await new MailClientConnector(Options).ConnectImapAsync(Server(user), Tokens, null, default);

        /// <summary>Appends <paramref name="count"/> messages of about 6 KB (text and a 4 KB attachment).</summary>
        public async Task AppendAsync(string user, int count)
        {
            using var imap = await ConnectAsync(user);
            var attachment = RandomNumberGenerator.GetBytes(4096);
            for (var i = 0; i < count; i += 200)
            {
                var batch = Enumerable.Range(i, Math.Min(200, count - i)).Select(n =>
                {
                    var builder = new BodyBuilder { TextBody = $"Message {n}: " + new string('x', 800) };
                    builder.Attachments.Add($"file-{n}.bin", attachment);
                    var m = new MimeMessage { Subject = $"bench {n}", Body = builder.ToMessageBody() };
                    m.From.Add(MailboxAddress.Parse("sender@example.com"));
                    m.To.Add(MailboxAddress.Parse(user));
                    return (IAppendRequest)new AppendRequest(m, MessageFlags.None);
                }).ToList();
                await imap.Inbox.AppendAsync(batch);
            }
            await imap.DisconnectAsync(true);
        }

        public async Task MarkAllUnseenAsync(string user)
        {
            using var imap = await ConnectAsync(user);
            await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var all = await imap.Inbox.SearchAsync(SearchQuery.All);
            if (all.Count > 0) await imap.Inbox.RemoveFlagsAsync(all, MessageFlags.Seen, true);
            await imap.DisconnectAsync(true);
        }

        public async Task<int> CountUnseenAsync(string user)
        {
            using var imap = await ConnectAsync(user);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var n = (await imap.Inbox.SearchAsync(SearchQuery.NotSeen)).Count;
            await imap.DisconnectAsync(true);
            return n;
        }

        sealed class LabTokens(Lab lab) : IAccessTokenProvider
        {
            public Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken) =>
                Task.FromResult(new AccessToken(lab.Token(server.Username), DateTimeOffset.UtcNow.AddHours(1), server.Username));
        }
    }
}
