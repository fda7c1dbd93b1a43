using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Identity.Client;
using OutlookOAuth.TestAuthority;
using Xunit;
using Xunit.Abstractions;

namespace OutlookOAuth.Tests.Authority;

/// <summary>The CLI contract used by tests/lab/start.sh: PEM inputs, ready file, secret-free stdout, clean SIGTERM.</summary>
public sealed class LabAuthorityProcessTests(ITestOutputHelper output)
{
    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    [Fact]
    public async Task ProcessMode_StartsFromPemFiles_ServesMsal_StopsOnSigterm()
    {
        var dir = Directory.CreateTempSubdirectory("lab-authority-");
        try
        {
            using var ca = LabCertificates.CreateCertificateAuthority();
            using var leaf = LabCertificates.CreateServerCertificate(ca);
            using var signing = RSA.Create(2048);
            string Write(string name, string text) { var p = Path.Combine(dir.FullName, name); File.WriteAllText(p, text); return p; }
            var tlsCert = Write("tls.crt", leaf.ExportCertificatePem());
            var tlsKey = Write("tls.key", leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var signingKey = Write("signing.key", signing.ExportPkcs8PrivateKeyPem());
            var clientCert = Write("client.crt", Lab.ClientCertificate.ExportCertificatePem());
            var ready = Path.Combine(dir.FullName, "ready");
            const string secret = "s3cret-For-The-Lab-Only", password = "P@ssw0rd-lab", tenant = "11111111-2222-3333-4444-555555555555";

            var dll = Path.Combine(AppContext.BaseDirectory, "OutlookOAuth.TestAuthority.dll");
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
                       ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath : null) ?? "dotnet";
            var psi = new ProcessStartInfo(host)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { dll, "--port", "0", "--tls-cert", tlsCert, "--tls-key", tlsKey, "--signing-key", signingKey,
                         "--kid", "proc-kid", "--issuer", "https://issuer.lab.invalid/", "--tenant", tenant, "--client-id", LabAuthorityOptions.DefaultClientId,
                         "--client-secret", secret, "--users", "carol@example.com, dave@example.com", "--password", password,
                         "--ready-file", ready, "--client-cert", clientCert, "--access-token-lifetime", "250" })
                psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stdout = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) stdout.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) stdout.Enqueue("stderr: " + e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var deadline = Stopwatch.StartNew();
                while (!File.Exists(ready) && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
                Assert.True(File.Exists(ready), "no ready file; output:\n" + string.Join('\n', stdout));
                var baseUri = File.ReadAllText(ready).Trim();
                Assert.Matches(@"^https://127\.0\.0\.1:\d+$", baseUri);

                var app = ConfidentialClientApplicationBuilder.Create(LabAuthorityOptions.DefaultClientId).WithClientSecret(secret)
                    .WithAuthority($"{baseUri}/{tenant}/").WithInstanceDiscovery(false)
                    .WithHttpClientFactory(new LabHttpClientFactory(ca)).Build();
                var result = await app.AcquireTokenForClient([Lab.AppScope]).ExecuteAsync();
                Assert.InRange((result.ExpiresOn - DateTimeOffset.UtcNow).TotalSeconds, 230, 251); // --access-token-lifetime
                var (header, claims) = LabTokenIssuer.Decode(result.AccessToken);
                Assert.Equal("proc-kid", header["kid"]!.ToString());
                Assert.Equal("https://issuer.lab.invalid/", claims["iss"]!.ToString());
                Assert.True(new LabTokenIssuer(signing, "proc-kid").VerifySignature(result.AccessToken));

                var certResult = await ConfidentialClientApplicationBuilder.Create(LabAuthorityOptions.DefaultClientId).WithCertificate(Lab.ClientCertificate)
                    .WithAuthority($"{baseUri}/{tenant}/").WithInstanceDiscovery(false)
                    .WithHttpClientFactory(new LabHttpClientFactory(ca)).Build().AcquireTokenForClient([Lab.AppScope]).ExecuteAsync();
                Assert.False(string.IsNullOrEmpty(certResult.AccessToken));

                using var http = new HttpClient(LabCertificates.CreateTrustingHandler(ca)) { BaseAddress = new Uri(baseUri) };
                (await http.PostAsync("/_lab/fail-next", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["error"] = "invalid_client", ["aadsts"] = "7000222", ["description"] = "The provided client secret keys are expired.", ["status"] = "401",
                }))).EnsureSuccessStatusCode();
                var ex = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient([Lab.AppScope]).WithForceRefresh(true).ExecuteAsync());
                Assert.Contains("7000222", ex.ErrorCodesForLogging);

                // A user sign-in, so that codes and tokens cross the wire and must stay out of the log.
                var (userApp, user) = await SignInAsync(baseUri, tenant, secret, password, ca);
                Assert.Equal("carol@example.com", user.Account.Username);

                // The lab tenant: the admin signs in to Graph under /graph/ and adds a secret, which must stay out of the log.
                var graphToken = await AdminGraphTokenAsync(baseUri, tenant, password, ca);
                using var graph = new HttpClient(LabCertificates.CreateTrustingHandler(ca)) { BaseAddress = new Uri(baseUri + "/graph/") };
                graph.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", graphToken);
                var labApp = System.Text.Json.Nodes.JsonNode.Parse(await graph.GetStringAsync(
                    $"v1.0/applications(appId='{LabAuthorityOptions.DefaultClientId}')?$select=id"))!["id"]!.ToString();
                using var added = await graph.PostAsync($"v1.0/applications/{labApp}/addPassword",
                    new StringContent("{\"passwordCredential\":{\"displayName\":\"process\"}}", System.Text.Encoding.UTF8, "application/json"));
                var addedSecret = System.Text.Json.Nodes.JsonNode.Parse(await added.Content.ReadAsStringAsync())!["secretText"]!.ToString();
                Assert.Equal(40, addedSecret.Length);

                Assert.Equal(0, kill(process.Id, 15 /* SIGTERM */));
                Assert.True(process.WaitForExit(10_000), "did not stop on SIGTERM");
                process.WaitForExit(); // drain the output
                Assert.Equal(0, process.ExitCode);

                var log = string.Join('\n', stdout);
                output.WriteLine(log);
                Assert.Contains("POST /" + tenant + "/oauth2/v2.0/token grant_type=client_credentials", log);
                Assert.Contains("-> 401 invalid_client AADSTS7000222", log);
                Assert.Contains("POST /" + tenant + "/oauth2/v2.0/authorize client_id=" + LabAuthorityOptions.DefaultClientId + " -> 302", log);
                Assert.Contains($"POST /graph/v1.0/applications/{labApp}/addPassword -> 200", log);
                foreach (var s in new[] { secret, password, result.AccessToken, user.AccessToken, graphToken, addedSecret, "code=", "code_challenge", "refresh_token=" })
                    Assert.DoesNotContain(s, log);
                Assert.DoesNotContain("stderr:", log);
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>admin@example.com through Microsoft Graph Command Line Tools (public client, http://localhost), plain HTTP.</summary>
    static async Task<string> AdminGraphTokenAsync(string baseUri, string tenant, string password, System.Security.Cryptography.X509Certificates.X509Certificate2 ca)
    {
        const string cli = "14d82eec-204b-4c2f-b7e8-296a70dab67e", redirect = "http://localhost:8400";
        var scope = "https://graph.microsoft.com/Application.ReadWrite.All openid";
        using var browser = new HttpClient(LabCertificates.CreateTrustingHandler(ca));
        var url = $"{baseUri}/{tenant}/oauth2/v2.0/authorize?client_id={cli}&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}&scope={Uri.EscapeDataString(scope)}";
        using var post = await browser.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin@example.com", ["password"] = password,
        }));
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(post.Headers.Location!.Query)["code"].ToString();
        using var token = await browser.PostAsync($"{baseUri}/{tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = cli, ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirect, ["scope"] = scope,
        }));
        return System.Text.Json.Nodes.JsonNode.Parse(await token.Content.ReadAsStringAsync())!["access_token"]!.ToString();
    }

    static async Task<(IConfidentialClientApplication, AuthenticationResult)> SignInAsync(string baseUri, string tenant, string secret, string password,
        System.Security.Cryptography.X509Certificates.X509Certificate2 ca)
    {
        var app = ConfidentialClientApplicationBuilder.Create(LabAuthorityOptions.DefaultClientId).WithClientSecret(secret)
            .WithRedirectUri(Lab.RedirectUri).WithAuthority($"{baseUri}/{tenant}/").WithInstanceDiscovery(false)
            .WithHttpClientFactory(new LabHttpClientFactory(ca)).Build();
        var url = await app.GetAuthorizationRequestUrl([Lab.Smtp]).WithPkce(out var verifier).ExecuteAsync();
        using var browser = new HttpClient(LabCertificates.CreateTrustingHandler(ca));
        using var post = await browser.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "carol@example.com", ["password"] = password,
        }));
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(post.Headers.Location!.Query)["code"].ToString();
        var result = await app.AcquireTokenByAuthorizationCode([Lab.Smtp], code).WithPkceCodeVerifier(verifier).ExecuteAsync();
        return (app, result);
    }
}
