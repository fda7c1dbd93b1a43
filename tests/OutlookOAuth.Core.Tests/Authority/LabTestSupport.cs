using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Identity.Client;
using OutlookOAuth.TestAuthority;
using Xunit;
using Xunit.Abstractions;

namespace OutlookOAuth.Tests.Authority;

/// <summary>MSAL HTTP factory trusting only the lab CA (normal chain + name validation, CustomRootTrust).</summary>
sealed class LabHttpClientFactory(X509Certificate2 ca) : IMsalHttpClientFactory
{
    readonly HttpClient _client = new(LabCertificates.CreateTrustingHandler(ca));
    public HttpClient GetHttpClient() => _client;
}

/// <summary>A clock the test can move forward.</summary>
sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

static class Lab
{
    public const string Smtp = "https://outlook.office.com/SMTP.Send";
    public const string Imap = "https://outlook.office.com/IMAP.AccessAsUser.All";
    public const string AppScope = "https://outlook.office365.com/.default";
    public const string Alice = "alice@example.com";
    public const string Bob = "bob@example.com";
    public const string RedirectUri = "https://localhost/callback";

    // RSA key generation is the slow part of a start; share what can be shared.
    static readonly Lazy<RSA> SharedSigningKey = new(() => RSA.Create(2048));
    static readonly Lazy<X509Certificate2> SharedClientCertificate = new(() => LabCertificates.CreateClientCertificate());
    public static X509Certificate2 ClientCertificate => SharedClientCertificate.Value;

    public static Task<LabAuthority> StartAsync(ITestOutputHelper? output = null, Action<LabAuthorityOptions>? configure = null)
    {
        var o = new LabAuthorityOptions
        {
            SigningKey = SharedSigningKey.Value,
            ClientCertificate = X509CertificateLoader.LoadCertificate(ClientCertificate.RawData),
            Log = output is null ? null : output.WriteLine,
        };
        configure?.Invoke(o);
        return LabAuthority.StartAsync(o);
    }

    public static IConfidentialClientApplication Confidential(LabAuthority lab, string? secret = null, string redirectUri = RedirectUri) =>
        ConfidentialClientApplicationBuilder.Create(lab.ClientId)
            .WithClientSecret(secret ?? lab.ClientSecret)
            .WithRedirectUri(redirectUri)
            .WithAuthority(lab.Authority)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabHttpClientFactory(lab.CaCertificate!))
            .Build();

    public static IConfidentialClientApplication WithCertificate(LabAuthority lab, X509Certificate2 cert, bool sendX5C) =>
        ConfidentialClientApplicationBuilder.Create(lab.ClientId)
            .WithCertificate(cert, sendX5C)
            .WithAuthority(lab.Authority)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabHttpClientFactory(lab.CaCertificate!))
            .Build();

    public static IPublicClientApplication Public(LabAuthority lab) =>
        PublicClientApplicationBuilder.Create(lab.ClientId)
            .WithAuthority(lab.Authority)
            .WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabHttpClientFactory(lab.CaCertificate!))
            .Build();

    /// <summary>An HttpClient trusting the lab CA that does not follow redirects (the test plays the browser).</summary>
    public static HttpClient Browser(LabAuthority lab) => new(lab.CreateHttpHandler()) { BaseAddress = new Uri(lab.BaseUri) };

    /// <summary>GETs the authorize URL (expects the sign-in form), POSTs the credentials, returns the 302 Location.</summary>
    public static async Task<Uri> SignInAsync(LabAuthority lab, Uri authorizeUrl, string user, string password)
    {
        using var browser = Browser(lab);
        using var page = await browser.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("name=\"password\"", html);
        using var post = await browser.PostAsync(authorizeUrl, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = user,
            ["password"] = password,
        }));
        Assert.Equal(HttpStatusCode.Found, post.StatusCode);
        return post.Headers.Location!;
    }

    public static async Task<string> SignInForCodeAsync(LabAuthority lab, Uri authorizeUrl, string user = Alice)
    {
        var location = await SignInAsync(lab, authorizeUrl, user, lab.Password);
        Assert.StartsWith(RedirectUri + "?", location.ToString());
        return QueryHelpers.ParseQuery(location.Query)["code"].ToString();
    }

    /// <summary>Authorization code + PKCE with MSAL, returning the app (its cache holds the account) and the result.</summary>
    public static async Task<(IConfidentialClientApplication App, AuthenticationResult Result)> SignInWithCodeAsync(LabAuthority lab, string user, params string[] scopes)
    {
        var app = Confidential(lab);
        var url = await app.GetAuthorizationRequestUrl(scopes).WithPkce(out var verifier).ExecuteAsync();
        var code = await SignInForCodeAsync(lab, url, user);
        var result = await app.AcquireTokenByAuthorizationCode(scopes, code).WithPkceCodeVerifier(verifier).ExecuteAsync();
        return (app, result);
    }

    /// <summary>A raw form POST; returns the status and the JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(LabAuthority lab, string pathOrUrl, Dictionary<string, string> form)
    {
        using var client = Browser(lab);
        using var response = await client.PostAsync(pathOrUrl, new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    public static int Aadsts(JsonObject error) => error["error_codes"]![0]!.GetValue<int>();

    public static string[] ScopeSet(string? spaceSeparated) =>
        (spaceSeparated ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
}
