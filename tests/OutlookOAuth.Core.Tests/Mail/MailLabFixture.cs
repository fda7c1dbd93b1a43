using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using OutlookOAuth.Configuration;
using OutlookOAuth.Security;
using OutlookOAuth.TestAuthority;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>
/// The real Dovecot (IMAPS) and Postfix (submission, STARTTLS) of the project lab (<c>tests/lab/start.sh</c>),
/// validating RS256 JWTs signed by the lab authority's key. Uses an already started lab when its environment is
/// set or its <c>lab.env</c> exists; otherwise starts one in <c>/tmp/mail-helper-lab</c> (ports 29993/20587,
/// overridable) and stops it at the end. If the lab cannot start the tests fail: they never skip.
/// </summary>
public sealed class MailLabFixture : IAsyncLifetime
{
    public const string DefaultLabDir = "/tmp/outlookoauth-test-lab";
    public const string Domain = "example.com";
    bool _startedHere;
    string? _labDir;
    Dictionary<string, string> _env = new();

    public string Host { get; private set; } = "127.0.0.1";
    public int SmtpPort { get; private set; }
    public int ImapPort { get; private set; }
    public string CaFile { get; private set; } = "";
    public CertificateTrust Trust { get; private set; } = new();
    public LabTokenIssuer Issuer { get; private set; } = null!;
    /// <summary>A key the servers do not know (for forged signatures).</summary>
    public RSA ForeignKey { get; } = RSA.Create(2048);
    public string SmtpScope => "SMTP.Send";
    public string ImapScope => "IMAP.AccessAsUser.All";

    public async Task InitializeAsync()
    {
        _env = await ResolveAsync();
        SmtpPort = int.Parse(Get("OUTLOOKOAUTH_LAB_SMTP_PORT"));
        ImapPort = int.Parse(Get("OUTLOOKOAUTH_LAB_IMAP_PORT"));
        Host = _env.GetValueOrDefault("OUTLOOKOAUTH_LAB_HOST", "127.0.0.1");
        CaFile = Get("OUTLOOKOAUTH_CA_FILE");
        Trust = CertificateTrust.FromPemFile(CaFile);
        var key = RSA.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(Get("OUTLOOKOAUTH_LAB_SIGNING_KEY")));
        Issuer = new LabTokenIssuer(key, Get("OUTLOOKOAUTH_LAB_KEY_ID"), Get("OUTLOOKOAUTH_LAB_ISSUER"),
            clientId: _env.GetValueOrDefault("OUTLOOKOAUTH_LAB_CLIENT_ID", LabAuthorityOptions.DefaultClientId));
        foreach (var port in new[] { SmtpPort, ImapPort })
            if (!await IsOpenAsync(Host, port))
                throw new InvalidOperationException($"The mail lab ({_labDir ?? "environment"}) is not listening on {Host}:{port}.");
    }

    /// <summary>A variable of the lab's environment (lab.env), or null.</summary>
    public string? Env(string name) => _env.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    string Get(string name) => _env.TryGetValue(name, out var v) && v.Length > 0
        ? v : throw new InvalidOperationException($"The mail lab environment has no {name} ({_labDir ?? "process environment"}).");

    async Task<Dictionary<string, string>> ResolveAsync()
    {
        // 1. A lab started by the caller (CI step, developer shell): its variables are in our environment.
        var fromProcess = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith("OUTLOOKOAUTH_", StringComparison.Ordinal))
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        if (fromProcess.ContainsKey("OUTLOOKOAUTH_LAB_SMTP_PORT") && fromProcess.ContainsKey("OUTLOOKOAUTH_LAB_SIGNING_KEY"))
            return fromProcess;

        // 2. A lab.env left by a lab that is still up.
        _labDir = fromProcess.GetValueOrDefault("OUTLOOKOAUTH_LAB_DIR") is { Length: > 0 } d ? d : DefaultLabDir;
        var envFile = Path.Combine(_labDir, "lab.env");
        if (File.Exists(envFile))
        {
            var env = ParseEnvFile(envFile);
            if (await IsOpenAsync("127.0.0.1", int.Parse(env.GetValueOrDefault("OUTLOOKOAUTH_LAB_SMTP_PORT", "0"))) &&
                await IsOpenAsync("127.0.0.1", int.Parse(env.GetValueOrDefault("OUTLOOKOAUTH_LAB_IMAP_PORT", "0"))))
                return env;
        }

        // 3. Start it.
        var script = Path.Combine(RepoRoot(), "tests", "lab", "start.sh");
        if (!File.Exists(script)) throw new InvalidOperationException($"The lab script {script} is missing.");
        var log = Path.Combine(Path.GetTempPath(), $"outlookoauth-mail-lab-{Environment.ProcessId}.log");
        var (code, stdout) = await RunAsync(script, log,
            ("OUTLOOKOAUTH_LAB_DIR", _labDir),
            ("OUTLOOKOAUTH_LAB_IMAP_PORT", fromProcess.GetValueOrDefault("OUTLOOKOAUTH_LAB_IMAP_PORT", "29993")),
            ("OUTLOOKOAUTH_LAB_SMTP_PORT", fromProcess.GetValueOrDefault("OUTLOOKOAUTH_LAB_SMTP_PORT", "20587")));
        if (code != 0)
            throw new InvalidOperationException($"tests/lab/start.sh failed with exit code {code}:\n{File.ReadAllText(log)}");
        _startedHere = true;
        var printed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? envFile;
        return ParseEnvFile(File.Exists(printed) ? printed : envFile);
    }

    public async Task DisposeAsync()
    {
        ForeignKey.Dispose();
        if (!_startedHere) return;
        var log = Path.Combine(Path.GetTempPath(), $"outlookoauth-mail-lab-stop-{Environment.ProcessId}.log");
        await RunAsync(Path.Combine(RepoRoot(), "tests", "lab", "stop.sh"), log, ("OUTLOOKOAUTH_LAB_DIR", _labDir!));
    }

    /// <summary>Runs a script with its output in a file (the daemons it starts must not inherit our pipes).</summary>
    static async Task<(int Code, string Stdout)> RunAsync(string script, string log, params (string Name, string Value)[] env)
    {
        var stdoutFile = log + ".out";
        var psi = new ProcessStartInfo("bash", ["-c", "\"$0\" >\"$1\" 2>\"$2\" </dev/null", script, stdoutFile, log]) { UseShellExecute = false };
        foreach (var (name, value) in env) psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var stdout = File.Exists(stdoutFile) ? await File.ReadAllTextAsync(stdoutFile) : "";
        return (process.ExitCode, stdout);
    }

    static Dictionary<string, string> ParseEnvFile(string path)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq > 0) env[line[..eq]] = line[(eq + 1)..].Trim('"', '\'');
        }
        return env;
    }

    static async Task<bool> IsOpenAsync(string host, int port)
    {
        if (port <= 0) return false;
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await client.ConnectAsync(host, port, cts.Token); return true; }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OutlookOAuth.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (OutlookOAuth.sln).");
    }

    // ----- helpers for the tests

    /// <summary>A fresh address of the lab domain, so tests do not see each other's mail.</summary>
    public static string NewUser(string prefix = "user") => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}@{Domain}";

    public string Token(string user, string scope, TimeSpan? lifetime = null) => Issuer.Mint(user, [scope], lifetime);

    public OutgoingMailServer SmtpServer(string user, string? name = null) => new()
    {
        Name = name ?? user, Username = user, HostName = Host, Port = SmtpPort, FromFilter = user, Encryption = SmtpEncryption.StartTls,
    };

    public IncomingMailServer ImapServer(string user, string? name = null) => new()
    {
        Name = name ?? user, Username = user, HostName = Host, Port = ImapPort, Ssl = true,
    };
}

[CollectionDefinition(Name)]
public sealed class MailLabCollection : ICollectionFixture<MailLabFixture>
{
    public const string Name = "Mail lab";
}
