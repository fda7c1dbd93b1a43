using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;
using OutlookOAuth.TestAuthority;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>One local HTTPS authority per test class (xunit runs a class's tests one after another).</summary>
public sealed class LabFixture : IAsyncLifetime
{
    public const string Password = "lab-password-Zq8";
    public const string Secret = "lab-client-secret-value-7Hq2x~Yp";

    public LabAuthority Authority { get; private set; } = null!;
    public X509Certificate2 ClientCertificate { get; } = LabCertificates.CreateClientCertificate();

    public async Task InitializeAsync() =>
        Authority = await LabAuthority.StartAsync(new LabAuthorityOptions
        {
            ClientSecret = Secret,
            Password = Password,
            ClientCertificate = ClientCertificate,
            Users = new List<string> { "alice@example.com", "bob@example.com" },
        });

    public async Task DisposeAsync() => await Authority.DisposeAsync();

    /// <summary>The module's own HTTP path: <see cref="CertificateTrust"/> with the lab CA as extra root.</summary>
    public MsalAppFactory Apps(TimeSpan? timeout = null) =>
        new(new TrustedHttpClientFactory(new CertificateTrust(new X509Certificate2Collection(Authority.CaCertificate!)), timeout));

    public OutlookApplicationSettings Settings() => new() { ClientId = Authority.ClientId, Authority = Authority.Authority };

    /// <summary>An HttpClient that trusts the lab CA and does not follow redirects (the "browser").</summary>
    public HttpClient BrowserClient() => new(Authority.CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
}

/// <summary>A temporary configuration directory with a token store (owner-only files).</summary>
public sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Root = Path.Combine(Path.GetTempPath(), "ooauth-id-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        ConfigPath = Path.Combine(Root, "config.yaml");
        Store = new TokenStore(Path.Combine(Root, "tokens"), TokenStoreProtection.OwnerOnlyFile);
    }

    public string Root { get; }
    public string ConfigPath { get; }
    public TokenStore Store { get; }

    /// <summary>Every byte under the directory, as text (to search for leaked secrets).</summary>
    public string AllText() => string.Join("\n", Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
        .Where(f => !f.EndsWith(".lock")).Select(File.ReadAllText));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The test's browser: GETs the authorize URL, POSTs the lab's sign-in form as a chosen user and
/// delivers the 302 Location to the loopback listener (optionally altered).</summary>
public sealed class LabBrowser : IBrowserLauncher
{
    readonly LabFixture _lab;
    public LabBrowser(LabFixture lab, string user) { _lab = lab; User = user; }

    public string User { get; set; }
    public Func<Uri, Uri>? AlterAuthorizeUrl { get; set; }
    public Func<Uri, Uri>? AlterRedirect { get; set; }
    public bool Deliver { get; set; } = true;
    public List<Uri> Redirects { get; } = new();
    public Uri? LastAuthorizeUrl { get; private set; }

    public async Task<BrowserLaunch> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        LastAuthorizeUrl = url;
        var location = await SignInAsync(_lab, AlterAuthorizeUrl?.Invoke(url) ?? url, User, cancellationToken);
        Redirects.Add(location);
        if (AlterRedirect is not null) location = AlterRedirect(location);
        if (Deliver)
        {
            using var plain = new HttpClient();
            using var r = await plain.GetAsync(location, cancellationToken);
        }
        return new BrowserLaunch(true, "lab browser");
    }

    /// <summary>Signs in on the lab's form; returns the redirect Location (code + state).</summary>
    public static async Task<Uri> SignInAsync(LabFixture lab, Uri authorizeUrl, string user, CancellationToken ct)
    {
        using var http = lab.BrowserClient();
        using (var page = await http.GetAsync(authorizeUrl, ct))
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var post = await http.PostAsync(authorizeUrl, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user, ["password"] = LabFixture.Password, ["action"] = "signin",
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        return post.Headers.Location!;
    }
}

/// <summary>Records messages; answers the paste prompt with <see cref="PasteAnswer"/>; approves device codes.</summary>
public sealed class TestInteraction : ISignInInteraction
{
    readonly LabFixture? _lab;
    public TestInteraction(LabFixture? lab = null, string? user = null) { _lab = lab; User = user; }

    public string? User { get; set; }
    public ConcurrentQueue<SignInMessage> Messages { get; } = new();
    public List<string> Prompts { get; } = new();
    /// <summary>Given the URL of the OpenAndPaste message, returns what the admin pastes.</summary>
    public Func<Uri, Task<string?>>? PasteAnswer { get; set; }
    public Task? DeviceApproval { get; private set; }

    public void Notify(SignInMessage message)
    {
        Messages.Enqueue(message);
        if (message.Kind == SignInMessageKind.DeviceCode && _lab is not null && User is not null)
            DeviceApproval = Task.Run(async () =>
            {
                using var http = _lab.BrowserClient();
                using var r = await http.PostAsync(message.Url, new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["user_code"] = message.UserCode!, ["username"] = User, ["password"] = LabFixture.Password, ["action"] = "approve",
                }));
                r.EnsureSuccessStatusCode();
            });
    }

    public async Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken)
    {
        Prompts.Add(prompt);
        var open = Messages.Last(m => m.Kind == SignInMessageKind.OpenAndPaste);
        return PasteAnswer is null ? null : await PasteAnswer(new Uri(open.Url!));
    }

    public string AllText() => string.Join("\n", Messages.Select(m => m.Text + " " + m.Url)) + string.Join("\n", Prompts);
}

static class Servers
{
    public static OutgoingMailServer Outgoing(string user, string? name = null) =>
        new() { Name = name ?? user, Username = user, HostName = OutgoingMailServer.OutlookHost, Port = 587, FromFilter = user };

    public static IncomingMailServer Incoming(string user, string? name = null) =>
        new() { Name = name ?? user, Username = user, HostName = IncomingMailServer.OutlookHost, Port = 993 };
}
