// Process mode of the lab authority (contract used by tests/lab/start.sh):
//   OutlookOAuth.TestAuthority --port <n|0> --tls-cert <pem> --tls-key <pem> --signing-key <pkcs8 pem> --kid <kid>
//     --issuer <url> --tenant <id> --client-id <id> --client-secret <s> --users a@x,b@x --password <pw>
//     --ready-file <path> [--client-cert <pem>] [--access-token-lifetime <seconds>]
// When listening, writes "https://127.0.0.1:<port>\n" to the ready file (temp + rename) and logs one line per request
// to stdout (never secrets, passwords, tokens or codes). SIGTERM / Ctrl+C stop it with exit code 0.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using OutlookOAuth.TestAuthority;

const string Usage = "usage: OutlookOAuth.TestAuthority --port <n|0> --tls-cert <pem> --tls-key <pem> --signing-key <pkcs8 pem> --kid <kid> " +
                     "--issuer <url> --tenant <id> --client-id <id> --client-secret <s> --users a@x,b@x --password <pw> --ready-file <path> " +
                     "[--client-cert <pem>] [--access-token-lifetime <seconds>] [--identity-header <secret>] [--exchange-grants app=mailbox:access,...]";
string[] known = ["port", "tls-cert", "tls-key", "signing-key", "kid", "issuer", "tenant", "client-id", "client-secret", "users",
    "password", "ready-file", "client-cert", "access-token-lifetime", "identity-header", "exchange-grants"];

var opts = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
    var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
    if (name is null || !known.Contains(name) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: unexpected or incomplete argument '{args[i]}'\n{Usage}");
        return 2;
    }
    opts[name] = args[++i];
}
foreach (var required in new[] { "tls-cert", "ready-file" })
    if (!opts.ContainsKey(required)) { Console.Error.WriteLine($"error: --{required} is required\n{Usage}"); return 2; }

LabAuthorityOptions options;
try
{
    options = new LabAuthorityOptions
    {
        Port = int.Parse(opts.GetValueOrDefault("port", "0"), CultureInfo.InvariantCulture),
        TlsCertificate = LabCertificates.LoadPemPair(opts["tls-cert"], opts.GetValueOrDefault("tls-key")),
        ClientSecret = opts.GetValueOrDefault("client-secret"),
        Password = opts.GetValueOrDefault("password"),
        Log = line => Console.Out.WriteLine(line),
    };
    if (opts.TryGetValue("signing-key", out var keyPath))
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(keyPath));
        options.SigningKey = rsa;
    }
    if (opts.TryGetValue("kid", out var kid)) options.KeyId = kid;
    if (opts.TryGetValue("issuer", out var issuer)) options.Issuer = issuer;
    if (opts.TryGetValue("tenant", out var tenant)) options.TenantId = tenant;
    if (opts.TryGetValue("client-id", out var clientId)) options.ClientId = clientId;
    if (opts.TryGetValue("users", out var users))
        options.Users = users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    if (opts.TryGetValue("client-cert", out var clientCert)) options.ClientCertificate = LabCertificates.LoadPublicCertificate(clientCert);
    if (opts.TryGetValue("access-token-lifetime", out var life))
        options.AccessTokenLifetime = TimeSpan.FromSeconds(int.Parse(life, CultureInfo.InvariantCulture));
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException
                               or CryptographicException or ArgumentException)
{
    Console.Error.WriteLine($"error: bad configuration: {ex.GetType().Name}: {ex.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext c) { c.Cancel = true; stop.Cancel(); }
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

LabAuthority authority;
try
{
    authority = await LabAuthority.StartAsync(options, stop.Token);
}
catch (Exception ex) when (ex is IOException or OperationCanceledException)
{
    Console.Error.WriteLine($"error: cannot start: {ex.Message}");
    return 1;
}
if (opts.TryGetValue("identity-header", out var identityHeader)) authority.IdentityHeader = identityHeader;
// Grants Exchange Online would hold at start (New-ServicePrincipal + Add-MailboxPermission / role assignment):
// "<app id or 'app'>=<mailbox>:<FullAccess|SendAsApp>", comma-separated.
foreach (var g in opts.GetValueOrDefault("exchange-grants", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    var m = System.Text.RegularExpressions.Regex.Match(g, "^([^=]+)=([^:]+):(FullAccess|SendAsApp)$");
    if (!m.Success) { Console.Error.WriteLine($"error: --exchange-grants item '{g}' is not <app>=<mailbox>:<FullAccess|SendAsApp>"); return 2; }
    var appId = m.Groups[1].Value == "app" ? authority.ClientId : m.Groups[1].Value;
    authority.GrantMailbox(appId, m.Groups[2].Value, Enum.Parse<LabAuthority.MailboxAccess>(m.Groups[3].Value));
}
await using (authority)
{
    var ready = Path.GetFullPath(opts["ready-file"]);
    var temp = Path.Combine(Path.GetDirectoryName(ready)!, $".{Path.GetFileName(ready)}.{Environment.ProcessId}.tmp");
    await File.WriteAllTextAsync(temp, authority.BaseUri + "\n");
    File.Move(temp, ready, overwrite: true);
    Console.Out.WriteLine($"lab authority listening on {authority.BaseUri} tenant={authority.TenantId} client_id={authority.ClientId} " +
                          $"kid={authority.KeyId} issuer={authority.Issuer} users={string.Join(',', authority.Users)}");
    try { await Task.Delay(Timeout.Infinite, stop.Token); }
    catch (OperationCanceledException) { }
    Console.Out.WriteLine("lab authority stopping");
}
return 0;
