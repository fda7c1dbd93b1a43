using System.Collections.Concurrent;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Graph;

/// <summary>Signs the admin in to Microsoft Graph with MSAL. Delegated: the browser (the module's browser launcher and
/// loopback listener, as Connect-OutlookAccount) or a device code, for <see cref="GraphIds.AdminScopes"/>; the token
/// cache is kept for the process per authority and client, so the next Graph command of the session signs in silently
/// (like Connect-MgGraph). App-only: client credentials for <see cref="GraphIds.AppOnlyScope"/>.</summary>
public sealed class GraphSignIn
{
    static readonly ConcurrentDictionary<string, byte[]> AdminCaches = new(StringComparer.OrdinalIgnoreCase);

    readonly IMsalHttpClientFactory _http;
    readonly IBrowserLauncher _browser;

    /// <summary>The cmdlets' constructor: no MSAL type in its signature (the cmdlet assembly never sees MSAL).</summary>
    public GraphSignIn(IBrowserLauncher? browser = null) : this(null, browser) { }

    internal GraphSignIn(IMsalHttpClientFactory? http, IBrowserLauncher? browser)
    {
        _http = http ?? TrustedHttpClientFactory.FromEnvironment();
        _browser = browser ?? new SystemBrowserLauncher();
    }

    /// <summary>Forgets the admin sign-ins of this process (tests; a new admin).</summary>
    public static void ForgetAll() => AdminCaches.Clear();

    public async Task<GraphSession> SignInAsync(GraphSignInOptions o, ISignInInteraction ui, CancellationToken ct)
    {
        var context = new OAuthContext(o.Authority, o.ClientId, o.AppOnly ? "client_credentials" : "authorize")
        { Secrets = o.ClientSecret is null ? Array.Empty<string>() : new[] { o.ClientSecret } };
        if (o.AppOnly) return await AppOnlyAsync(o, context, ct).ConfigureAwait(false);

        var key = $"{o.Authority.MsalAuthority}|{o.ClientId}";
        var slot = new CacheSlot(AdminCaches.TryGetValue(key, out var bytes) ? bytes : null);
        IPublicClientApplication Build(Uri? redirect)
        {
            var b = PublicClientApplicationBuilder.Create(o.ClientId).WithAuthority(o.Authority.MsalAuthority)
                .WithInstanceDiscovery(o.Authority.IsMicrosoft).WithHttpClientFactory(_http).WithClientName("OutlookOAuth");
            if (redirect is not null) b = b.WithRedirectUri(redirect.AbsoluteUri);
            var app = b.Build();
            slot.Bind(app.UserTokenCache);
            return app;
        }
        void Keep() { if (slot.Data is { } d) AdminCaches[key] = d; }

        var silentApp = Build(null);
        AuthenticationResult? result = null;
        var accounts = await silentApp.GetAccountsAsync().ConfigureAwait(false);
        if (accounts.FirstOrDefault(a => o.Account is null || string.Equals(a.Username, o.Account, StringComparison.OrdinalIgnoreCase)) is { } account)
        {
            try { result = await silentApp.AcquireTokenSilent(GraphIds.AdminScopes, account).ExecuteAsync(ct).ConfigureAwait(false); }
            catch (MsalUiRequiredException) { }
            catch (Exception e) when (e is MsalException or HttpRequestException) { throw OAuthErrorMap.Map(e, context); }
        }
        if (result is null)
        {
            if (o.DeviceCode) result = await DeviceCodeAsync(silentApp, o, ui, context, ct).ConfigureAwait(false);
            else
            {
                await using var listener = LoopbackRedirectListener.Start();
                var app = Build(listener.RedirectUri);
                var webUi = new ListenerWebUi(listener, _browser, ui, o);
                var interactive = app.AcquireTokenInteractive(GraphIds.AdminScopes).WithCustomWebUi(webUi);
                if (o.Account is { Length: > 0 } hint) interactive = interactive.WithLoginHint(hint);
                try { result = await interactive.ExecuteAsync(ct).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    if (e is OutlookOAuthException oe) throw oe;
                    throw OAuthErrorMap.Map(e, context with { RedirectUri = listener.RedirectUri.AbsoluteUri });
                }
            }
        }
        Keep();
        var signedIn = result;
        var user = result.Account;
        async Task<string> Token(CancellationToken t)
        {
            if (signedIn.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(2)) return signedIn.AccessToken;
            try { signedIn = await silentApp.AcquireTokenSilent(GraphIds.AdminScopes, user).WithForceRefresh(false).ExecuteAsync(t).ConfigureAwait(false); }
            catch (Exception e) when (e is MsalException or HttpRequestException) { throw OAuthErrorMap.Map(e, context with { Operation = "refresh" }); }
            Keep();
            return signedIn.AccessToken;
        }
        return new GraphSession(Token, result.TenantId, result.Account?.Username);
    }

    static async Task<AuthenticationResult> DeviceCodeAsync(IPublicClientApplication app, GraphSignInOptions o, ISignInInteraction ui, OAuthContext context, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(15));
        try
        {
            return await app.AcquireTokenWithDeviceCode(GraphIds.AdminScopes, dcr =>
            {
                ui.Notify(new SignInMessage(SignInMessageKind.DeviceCode,
                    $"To sign in to Microsoft Graph as an administrator, open {dcr.VerificationUrl} and enter the code {dcr.UserCode}; it expires at {dcr.ExpiresOn.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z (UTC).",
                    dcr.VerificationUrl, dcr.UserCode) { ExpiresOn = dcr.ExpiresOn });
                return Task.CompletedTask;
            }).ExecuteAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OAuthException("SignInTimeout", "The administrator's device-code sign-in was not completed in time.", "Run the command again with -DeviceCode and finish within the time shown.");
        }
        catch (Exception e) when (e is not OperationCanceledException) { throw OAuthErrorMap.Map(e, context with { Operation = "devicecode" }); }
    }

    async Task<GraphSession> AppOnlyAsync(GraphSignInOptions o, OAuthContext context, CancellationToken ct)
    {
        var b = ConfidentialClientApplicationBuilder.Create(o.ClientId).WithAuthority(o.Authority.MsalAuthority)
            .WithInstanceDiscovery(o.Authority.IsMicrosoft).WithHttpClientFactory(_http).WithClientName("OutlookOAuth");
        b = o.CertificatePath is { } path ? b.WithCertificate(CertificateLoader.LoadFile(path, o.CertificatePassword)) : b.WithClientSecret(o.ClientSecret!);
        var app = b.Build();
        async Task<string> Token(CancellationToken t)
        {
            try { return (await app.AcquireTokenForClient(new[] { GraphIds.AppOnlyScope }).ExecuteAsync(t).ConfigureAwait(false)).AccessToken; }
            catch (Exception e) when (e is MsalException or HttpRequestException) { throw OAuthErrorMap.Map(e, context); }
        }
        await Token(ct).ConfigureAwait(false); // fail here, before any Graph call, when the credential is refused
        return new GraphSession(Token, o.Authority.IsMultiTenant ? null : o.Authority.Tenant, null);
    }

    /// <summary>MSAL's interactive sign-in through the module's own browser launcher and loopback listener.</summary>
    sealed class ListenerWebUi(LoopbackRedirectListener listener, IBrowserLauncher browser, ISignInInteraction ui, GraphSignInOptions o) : ICustomWebUi
    {
        public async Task<Uri> AcquireAuthorizationCodeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken ct)
        {
            var launch = await browser.OpenAsync(authorizationUri, ct).ConfigureAwait(false);
            if (!launch.Started && !o.PersonPresent)
                throw new OAuthException("NoBrowser",
                    $"No browser could start ({launch.Reason}) and nobody can open the sign-in URL in this non-interactive session; nothing was changed.",
                    "Sign in with -DeviceCode, or use an automation app: -AdminClientId <id> -AdminClientSecret <secret>.");
            ui.Notify(launch.Started
                ? new SignInMessage(SignInMessageKind.BrowserOpened, $"A browser was opened ({launch.How}) for the administrator's Microsoft Graph sign-in; waiting on {listener.RedirectUri}. If it did not appear, open: {authorizationUri.AbsoluteUri}", authorizationUri.AbsoluteUri)
                : new SignInMessage(SignInMessageKind.BrowserUnavailable, $"No browser could start ({launch.Reason}). Open this URL to sign in as an administrator (listening on {listener.RedirectUri}), or use -DeviceCode: {authorizationUri.AbsoluteUri}", authorizationUri.AbsoluteUri));
            var response = await listener.WaitAsync(o.Timeout, ct).ConfigureAwait(false);
            var query = new List<string>();
            if (response.Code is { } c) query.Add("code=" + Uri.EscapeDataString(c));
            if (response.State is { } s) query.Add("state=" + Uri.EscapeDataString(s));
            if (response.Error is { } e) query.Add("error=" + Uri.EscapeDataString(e));
            if (response.ErrorDescription is { } d) query.Add("error_description=" + Uri.EscapeDataString(d));
            return new Uri(redirectUri.GetLeftPart(UriPartial.Path) + "?" + string.Join("&", query));
        }
    }
}
