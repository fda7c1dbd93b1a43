using System.Security.Cryptography;
using Microsoft.Identity.Client;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>The sign-in flows of Connect-OutlookAccount. Each verifies the account (user flows) before
/// anything is stored; on any failure the store is unchanged.</summary>
public sealed class OutlookSignIn
{
    readonly OutlookApplicationSettings _settings;
    readonly TokenStore _store;
    readonly MsalAppFactory _apps;
    readonly IBrowserLauncher _browser;
    readonly Func<string, string?> _getEnvironment;
    readonly TimeProvider _clock;

    public OutlookSignIn(OutlookApplicationSettings settings, TokenStore store, MsalAppFactory? apps = null,
        IBrowserLauncher? browser = null, Func<string, string?>? getEnvironment = null, TimeProvider? clock = null)
    {
        _settings = settings;
        _store = store;
        _apps = apps ?? new MsalAppFactory();
        _browser = browser ?? new SystemBrowserLauncher(getEnvironment);
        _getEnvironment = getEnvironment ?? Environment.GetEnvironmentVariable;
        _clock = clock ?? TimeProvider.System;
    }

    OutlookAuthority Authority => OutlookAuthority.FromSettings(_settings);

    /// <summary>Signs the server's account in and stores its tokens; returns what was stored.</summary>
    public async Task<TokenMetadata> ConnectAsync(MailServer server, SignInRequest request, ISignInInteraction ui, CancellationToken cancellationToken)
    {
        if (!server.UsesOutlookOAuth)
            throw new OAuthException("NotAnOutlookServer", $"{server} uses password authentication, not Outlook OAuth; there is no account to connect.",
                "Set-OutlookMailServer -Authentication Outlook to use OAuth.");
        ServerRules.Validate(server);
        return request.Flow switch
        {
            SignInFlow.AppOnly => await AppOnlyAsync(server, cancellationToken).ConfigureAwait(false),
            SignInFlow.DeviceCode => await DeviceCodeAsync(server, request, ui, cancellationToken).ConfigureAwait(false),
            _ => await AuthorizationCodeAsync(server, request, ui, cancellationToken).ConfigureAwait(false),
        };
    }

    async Task<TokenMetadata> AuthorizationCodeAsync(MailServer server, SignInRequest request, ISignInInteraction ui, CancellationToken ct)
    {
        var credentials = ApplicationCredentials.Resolve(_settings, _store, _getEnvironment);
        var scopes = OutlookScopes.ForMsal(server.Direction);
        var timeout = request.Timeout ?? TimeSpan.FromMinutes(5);
        var paste = request.Flow == SignInFlow.RedirectPaste;
        await using var listener = paste ? null : LoopbackRedirectListener.Start(request.RedirectUri);
        var redirect = paste ? request.RedirectUri ?? throw new ArgumentException("The paste flow needs a redirect URI.") : listener!.RedirectUri;
        var context = Context("authorize", credentials) with { RedirectUri = redirect.AbsoluteUri };

        var app = _apps.CreateConfidential(_settings, credentials, redirect);
        var slot = new CacheSlot(null);
        slot.Bind(app.UserTokenCache);
        var state = Base64Url(RandomNumberGenerator.GetBytes(32));
        Uri url;
        string verifier;
        try
        {
            url = await app.GetAuthorizationRequestUrl(scopes)
                .WithRedirectUri(redirect.AbsoluteUri)
                .WithPkce(out verifier)
                .WithLoginHint(server.Username)
                .WithExtraQueryParameters(new Dictionary<string, (string, bool)> { ["state"] = (state, false) })
                .ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MsalException or HttpRequestException) { throw OAuthErrorMap.Map(e, context); }

        AuthorizationResponse response;
        if (paste)
        {
            ui.Notify(new SignInMessage(SignInMessageKind.OpenAndPaste,
                $"Open this URL in any browser, sign in as {server.Username}, then paste the full address of the page it ends on ({redirect.GetLeftPart(UriPartial.Path)}?code=...): {url.AbsoluteUri}", url.AbsoluteUri));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            string? pasted;
            try { pasted = await ui.ReadRedirectAsync($"Redirected URL for {server.Username}", limit.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new OAuthException("SignInTimeout", $"No redirected URL was pasted within {timeout.TotalMinutes:0.#} minutes.", "Run Connect-OutlookAccount again.");
            }
            response = ParsePasted(pasted, redirect);
        }
        else
        {
            var launch = await _browser.OpenAsync(url, ct).ConfigureAwait(false);
            if (!launch.Started && !request.PersonPresent)
                throw new OAuthException("NoBrowser",
                    $"No browser could start ({launch.Reason}) and nobody can open the sign-in URL in this non-interactive session, so {server.Username} was not signed in; nothing was stored.",
                    "Use Connect-OutlookAccount -DeviceCode (a code to enter on any device with a browser), or -AppOnly in a runbook; or set $env:BROWSER to a browser command.");
            ui.Notify(launch.Started
                ? new SignInMessage(SignInMessageKind.BrowserOpened, $"A browser was opened ({launch.How}) to sign in as {server.Username}; waiting for the redirect on {redirect}. If it did not appear, open: {url.AbsoluteUri}", url.AbsoluteUri)
                : new SignInMessage(SignInMessageKind.BrowserUnavailable,
                    $"No browser could start ({launch.Reason}). Open this URL in a browser on this machine to sign in as {server.Username} (still listening on {redirect}), or run Connect-OutlookAccount -DeviceCode on a host without a browser: {url.AbsoluteUri}", url.AbsoluteUri));
            response = await listener!.WaitAsync(timeout, ct).ConfigureAwait(false);
        }

        var code = CheckResponse(response, state, context);
        var redeem = context with { Operation = "redeem", Secrets = context.Secrets.Concat(new[] { code, verifier }).ToArray() };
        AuthenticationResult result;
        try
        {
            result = await app.AcquireTokenByAuthorizationCode(scopes, code).WithPkceCodeVerifier(verifier).ExecuteAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { throw OAuthErrorMap.Map(e, redeem); }
        AccountVerifier.Verify(server, result.Account?.Username);
        return Save(server, request.Flow, result, slot, credentials);
    }

    async Task<TokenMetadata> DeviceCodeAsync(MailServer server, SignInRequest request, ISignInInteraction ui, CancellationToken ct)
    {
        var app = _apps.CreatePublic(_settings);
        var slot = new CacheSlot(null);
        slot.Bind(app.UserTokenCache);
        var context = Context("devicecode", ApplicationCredentials.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(request.Timeout ?? TimeSpan.FromMinutes(15));
        AuthenticationResult result;
        try
        {
            result = await app.AcquireTokenWithDeviceCode(OutlookScopes.ForMsal(server.Direction), dcr =>
            {
                ui.Notify(DeviceCodeMessage(server, dcr.VerificationUrl, dcr.UserCode, dcr.ExpiresOn));
                return Task.CompletedTask;
            }).ExecuteAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OAuthException("SignInTimeout", "The device-code sign-in was not completed in time.", "Run Connect-OutlookAccount -DeviceCode again and finish within the time shown.");
        }
        catch (Exception e) when (e is not OperationCanceledException) { throw OAuthErrorMap.Map(e, context); }
        AccountVerifier.Verify(server, result.Account?.Username);
        return Save(server, SignInFlow.DeviceCode, result, slot, ApplicationCredentials.None);
    }

    /// <summary>The device-code message: the URL and the code once each (not Entra's own sentence, which repeats
    /// both) and the expiry in UTC, ISO 8601, so a runbook log read in another time zone is unambiguous.</summary>
    public static SignInMessage DeviceCodeMessage(MailServer server, string url, string userCode, DateTimeOffset expiresOn) =>
        new(SignInMessageKind.DeviceCode,
            $"To connect {server.Username} ({server.Direction.ToString().ToLowerInvariant()}), open {url} and enter the code {userCode}; it expires at {expiresOn.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z (UTC).",
            url, userCode) { ExpiresOn = expiresOn };

    async Task<TokenMetadata> AppOnlyAsync(MailServer server, CancellationToken ct)
    {
        if (ManagedIdentitySelection.Parse(_settings.ManagedIdentity) is { } identity)
        {
            // Nothing to keep but the metadata: the identity is proven by Azure at each token, MSAL caches it per process.
            var token = await ManagedIdentityTokens.AcquireAsync(_apps, identity, forceRefresh: true, ct, _getEnvironment).ConfigureAwait(false);
            return Save(server, SignInFlow.ManagedIdentity, token, new CacheSlot(Array.Empty<byte>()), ApplicationCredentials.None);
        }
        var credentials = ApplicationCredentials.Resolve(_settings, _store, _getEnvironment);
        var app = _apps.CreateConfidential(_settings, credentials);
        var slot = new CacheSlot(null);
        slot.Bind(app.AppTokenCache);
        AuthenticationResult result;
        try { result = await app.AcquireTokenForClient(OutlookScopes.ForApp()).ExecuteAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { throw OAuthErrorMap.Map(e, Context("client_credentials", credentials)); }
        return Save(server, SignInFlow.AppOnly, result, slot, credentials);
    }

    TokenMetadata Save(MailServer server, SignInFlow flow, AuthenticationResult result, CacheSlot slot, ApplicationCredentials credentials)
    {
        var now = _clock.GetUtcNow();
        var metadata = new TokenMetadata
        {
            Direction = server.Direction.ToString(),
            ServerName = server.Name,
            Username = server.Username,
            Flow = flow,
            SignedInAs = flow is SignInFlow.AppOnly or SignInFlow.ManagedIdentity ? null : result.Account?.Username,
            HomeAccountId = result.Account?.HomeAccountId?.Identifier,
            ClientId = flow == SignInFlow.ManagedIdentity ? null : _settings.ClientId,
            Authority = flow == SignInFlow.ManagedIdentity ? $"managed identity: {_settings.ManagedIdentity}" : Authority.MsalAuthority,
            Scopes = flow is SignInFlow.AppOnly or SignInFlow.ManagedIdentity ? OutlookScopes.ForApp() : OutlookScopes.Delegated(server.Direction).ToArray(),
            ConnectedOn = now,
            LastRefreshOn = now,
            AccessTokenExpiresOn = result.ExpiresOn,
        };
        if (slot.Data is null)
            throw new OAuthException("NoTokenCached", $"The authority answered without tokens to keep for {server}.", "Check the authority's response (refresh token, id_token, client_info).");
        using (_store.Lock(server))
            _store.Save(server, metadata, slot.Data);
        return metadata;
    }

    OAuthContext Context(string operation, ApplicationCredentials credentials) =>
        new(Authority, _settings.ClientId, operation) { Secrets = credentials.Secret is null ? Array.Empty<string>() : new[] { credentials.Secret } };

    static AuthorizationResponse ParsePasted(string? pasted, Uri redirect)
    {
        if (string.IsNullOrWhiteSpace(pasted))
            throw new OAuthException("NoRedirectPasted", "No redirected URL was given; nothing was stored.", "Run Connect-OutlookAccount again and paste the address of the page the sign-in ends on.");
        if (!Uri.TryCreate(pasted.Trim(), UriKind.Absolute, out var url) ||
            !string.Equals(url.GetLeftPart(UriPartial.Path).TrimEnd('/'), redirect.GetLeftPart(UriPartial.Path).TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw new OAuthException("PastedUrlNotRedirect", $"The pasted text is not an address on the redirect URI {redirect.GetLeftPart(UriPartial.Path)}; nothing was stored.",
                "Paste the full address from the browser's address bar after the sign-in (it contains code= and state=).");
        return AuthorizationResponse.FromUrl(url);
    }

    static string CheckResponse(AuthorizationResponse response, string expectedState, OAuthContext context)
    {
        if (response.Error is not null)
            throw OAuthErrorMap.FromEntra(response.Error, null, response.ErrorDescription ?? response.Error, 0, context);
        if (response.State is null || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(response.State), System.Text.Encoding.UTF8.GetBytes(expectedState)))
            throw new OAuthException("StateMismatch",
                "The sign-in response does not carry the state of this request (it was altered, replayed or belongs to another sign-in); nothing was stored.",
                "Start the sign-in again with Connect-OutlookAccount and complete it in the browser it opens.");
        if (string.IsNullOrEmpty(response.Code))
            throw new OAuthException("NoAuthorizationCode", "The sign-in response has no authorization code; nothing was stored.", "Start the sign-in again.");
        return response.Code;
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
