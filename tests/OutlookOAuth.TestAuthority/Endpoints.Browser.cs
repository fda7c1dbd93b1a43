using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace OutlookOAuth.TestAuthority;

/// <summary>What a browser sees: the authorize sign-in page and the device login page.</summary>
public sealed partial class LabAuthority
{
    sealed record AuthorizeRequest(string ClientId, string RedirectUri, string ResponseMode, string? State, string Scope,
        string? Nonce, string? Challenge, string? LoginHint);

    async Task AuthorizeGet(HttpContext ctx)
    {
        if (await ValidateAuthorize(ctx) is { } req)
            await Html(ctx, 200, SignInPage(ctx, req.ClientId, req.LoginHint, null));
    }

    async Task AuthorizePost(HttpContext ctx)
    {
        if (await ValidateAuthorize(ctx) is not { } req) return;
        var f = await ctx.FormOrEmpty();
        if (f.Value("action") == "cancel")
        {
            await RespondToClient(ctx, req, ErrorParameters(ctx, new Problem(400, "access_denied", 65004, "User declined to consent to access the app.")));
            return;
        }
        var username = f.Value("username");
        if (SignInProblem(username, f.Value("password")) is { } problem)
        {
            await Html(ctx, 200, SignInPage(ctx, req.ClientId, username, problem));
            return;
        }
        var user = CanonicalUser(username)!;
        if (Client(req.ClientId) is { } client && ScopesFor(client, req.Scope).Scopes is { } scopes && UserProblem(client, user, scopes) is { } refused)
        {
            // Entra sends these back to the app: consent_required (AADSTS65001), access_denied (AADSTS50105).
            await RespondToClient(ctx, req, ErrorParameters(ctx, refused with { Error = refused.Code == 65001 ? "consent_required" : "access_denied" }));
            return;
        }
        var code = RandomSecret(48);
        lock (_gate) _codes[code] = new AuthCode(user, req.ClientId, req.RedirectUri, req.Scope, req.Challenge, req.Nonce, Now);
        var p = new Dictionary<string, string?>
        {
            ["code"] = code,
            ["client_info"] = TokenIssuer.ClientInfo(user),
            ["state"] = req.State,
            ["session_state"] = Guid.NewGuid().ToString(),
        };
        await RespondToClient(ctx, req, p);
    }

    /// <summary>Null (after answering) when the request cannot go on. Unknown clients and bad redirect URIs get an error page, the rest an error redirect.</summary>
    async Task<AuthorizeRequest?> ValidateAuthorize(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        var clientId = q.Value("client_id");
        if (string.IsNullOrEmpty(clientId)) { await ErrorPage(ctx, Missing("client_id")); return null; }
        if (Client(clientId) is not { } client) { await ErrorPage(ctx, UnknownClient(clientId)); return null; }
        if (DisabledProblem(client) is { } disabled) { await ErrorPage(ctx, disabled); return null; }
        var registered = client.IsLabDefault ? _redirectUris : client.RedirectUris.ToList();
        var redirect = q.Value("redirect_uri") ?? registered.FirstOrDefault();
        if (string.IsNullOrEmpty(redirect)) { await ErrorPage(ctx, Missing("redirect_uri")); return null; }
        if (!Uri.TryCreate(redirect, UriKind.Absolute, out var redirectUri)
            || ((!client.IsLabDefault || registered.Count > 0) && !registered.Any(r => RedirectMatches(r, redirectUri))))
        {
            // Shown on the sign-in page, never sent to an unregistered address (as Entra does).
            await ErrorPage(ctx, new Problem(400, "invalid_request", 50011,
                $"The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client.AppId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."));
            return null;
        }
        var mode = q.Value("response_mode") is "fragment" or "form_post" ? q.Value("response_mode")! : "query";
        var req = new AuthorizeRequest(clientId, redirect, mode, q.Value("state"), q.Value("scope") ?? "", q.Value("nonce"),
            q.Value("code_challenge"), q.Value("login_hint"));

        Problem? problem = null;
        var responseType = q.Value("response_type");
        var method = q.Value("code_challenge_method");
        if (string.IsNullOrEmpty(responseType)) problem = Missing("response_type");
        else if (responseType != "code")
            problem = new Problem(400, "unsupported_response_type", 700054, $"response_type '{responseType}' is not enabled for the application.");
        else if (ScopesFor(client, req.Scope).Problem is { } scopeProblem) problem = scopeProblem;
        else if (req.Challenge is not null || method is not null)
        {
            if (method != "S256")
                problem = new Problem(400, "invalid_request", 501491, $"The code_challenge_method '{method}' is not supported: the lab authority requires 'S256'.");
            else if (req.Challenge is not { Length: >= 43 and <= 128 })
                problem = new Problem(400, "invalid_request", 501491, "Invalid size of Code_Challenge parameter.");
        }
        if (problem is null && q.Value("prompt") == "none")
            problem = new Problem(400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in.");
        if (problem is null) return req;
        await RespondToClient(ctx, req, ErrorParameters(ctx, problem));
        return null;
    }

    /// <summary>Exact match, except that a loopback http redirect URI matches on any port (RFC 8252 §7.3, as Entra does).</summary>
    static bool RedirectMatches(string registered, Uri requested)
    {
        if (string.Equals(registered, requested.OriginalString, StringComparison.Ordinal)) return true;
        if (!Uri.TryCreate(registered, UriKind.Absolute, out var r) || r.Scheme != "http" || requested.Scheme != "http" || !r.IsLoopback) return false;
        return string.Equals(r.Host, requested.Host, StringComparison.OrdinalIgnoreCase)
               && string.Equals(r.AbsolutePath, requested.AbsolutePath, StringComparison.Ordinal) && r.Query == requested.Query;
    }

    Dictionary<string, string?> ErrorParameters(HttpContext ctx, Problem p)
    {
        var body = ErrorBody(ctx, p);
        return new Dictionary<string, string?>
        {
            ["error"] = p.Error,
            ["error_description"] = body["error_description"]!.ToString(),
            ["error_uri"] = body["error_uri"]!.ToString(),
        };
    }

    /// <summary>Sends parameters back to the client: 302 with query or fragment, or an auto-submitting form_post page.</summary>
    static Task RespondToClient(HttpContext ctx, AuthorizeRequest req, Dictionary<string, string?> parameters)
    {
        if (req.State is not null) parameters["state"] = req.State;
        var p = parameters.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        switch (req.ResponseMode)
        {
            case "form_post":
                var fields = string.Concat(p.Select(kv => $"<input type=\"hidden\" name=\"{Enc(kv.Key)}\" value=\"{Enc(kv.Value)}\"/>"));
                return Html(ctx, 200,
                    $"<!DOCTYPE html><html><head><title>Working...</title></head><body onload=\"document.forms[0].submit()\">" +
                    $"<form method=\"POST\" action=\"{Enc(req.RedirectUri)}\">{fields}<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>");
            case "fragment":
                ctx.Response.Redirect(req.RedirectUri.Split('#')[0] + "#" + QueryString.Create(p).ToString()[1..]);
                return Task.CompletedTask;
            default:
                ctx.Response.Redirect(QueryHelpers.AddQueryString(req.RedirectUri, p));
                return Task.CompletedTask;
        }
    }

    Problem? SignInProblem(string? username, string? password)
    {
        if (CanonicalUser(username) is null)
            return new Problem(400, "invalid_grant", 50034, $"The user account {username} does not exist in the '{TenantId}' directory. To sign into this application, the account must be added to the directory.");
        if (password is null || !SecretEquals(password, Password))
            return new Problem(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.");
        return null;
    }

    static string SignInPage(HttpContext ctx, string clientId, string? username, Problem? error) => Page("Sign in",
        $"<h1>Sign in</h1><p>to application <code>{Enc(clientId)}</code></p>{ErrorLine(error)}" +
        $"<form method=\"post\" action=\"{Enc(ctx.Request.Path + ctx.Request.QueryString)}\">" +
        $"<p><label>Username <input name=\"username\" type=\"email\" autocomplete=\"username\" value=\"{Enc(username)}\"/></label></p>" +
        "<p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"/></label></p>" +
        "<p><button type=\"submit\" name=\"action\" value=\"signin\">Sign in</button> " +
        "<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button></p></form>");

    // ---------------------------------------------------------------- device login

    Task DeviceLoginGet(HttpContext ctx) => Html(ctx, 200, DeviceLoginPage(ctx.Request.Query.Value("otc") ?? ctx.Request.Query.Value("user_code"), null, null));

    async Task DeviceLoginPost(HttpContext ctx)
    {
        var f = await ctx.FormOrEmpty();
        var userCode = (f.Value("user_code") ?? "").Replace("-", "").Replace(" ", "").ToUpperInvariant();
        var username = f.Value("username");
        var deny = f.Value("action") is "deny" or "decline" or "cancel";
        Problem? problem = null;
        lock (_gate)
        {
            var d = _deviceCodes.Values.FirstOrDefault(x => x.UserCode == userCode);
            if (d is null) problem = new Problem(400, "invalid_grant", 70018, "Invalid verification code. The code you entered is not valid.");
            else if (Now > d.ExpiresAt) problem = new Problem(400, "expired_token", 70019, "Verification code expired.");
            else if (d.Status != DeviceStatus.Pending) problem = new Problem(400, "invalid_grant", 70018, "This code has already been used.");
            else if (deny) d.Status = DeviceStatus.Declined;
            else if ((problem = SignInProblem(username, f.Value("password"))) is null)
            {
                d.User = CanonicalUser(username);
                d.Status = DeviceStatus.Approved;
            }
        }
        if (problem is not null)
        {
            ctx.Items[ErrorItem] = $"{problem.Error} AADSTS{problem.Code}";
            await Html(ctx, 200, DeviceLoginPage(userCode, username, problem));
        }
        else
            await Html(ctx, 200, Page(deny ? "Declined" : "Signed in", deny
                ? "<h1>Sign-in declined</h1><p>The application on the other device will not be signed in.</p>"
                : $"<h1>You have signed in</h1><p>{Enc(CanonicalUser(username))} is signed in to the application on your device. You may now close this window.</p>"));
    }

    static string DeviceLoginPage(string? userCode, string? username, Problem? error) => Page("Enter code",
        $"<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>{ErrorLine(error)}" +
        "<form method=\"post\" action=\"/devicelogin\">" +
        $"<p><label>Code <input name=\"user_code\" value=\"{Enc(userCode)}\"/></label></p>" +
        $"<p><label>Username <input name=\"username\" type=\"email\" autocomplete=\"username\" value=\"{Enc(username)}\"/></label></p>" +
        "<p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"/></label></p>" +
        "<p><button type=\"submit\" name=\"action\" value=\"approve\">Sign in</button> " +
        "<button type=\"submit\" name=\"action\" value=\"deny\">Cancel</button></p></form>");

    // ---------------------------------------------------------------- HTML helpers

    Task ErrorPage(HttpContext ctx, Problem p)
    {
        var body = ErrorBody(ctx, p);
        return Html(ctx, p.Status, Page("Sign in error",
            $"<h1>Sorry, but we're having trouble signing you in.</h1><p class=\"error\" role=\"alert\" data-error=\"{Enc(p.Error)}\">{Enc(body["error_description"]!.ToString())}</p>"));
    }

    static string ErrorLine(Problem? p) => p is null ? "" :
        $"<p class=\"error\" role=\"alert\" data-error=\"{Enc(p.Error)}\">AADSTS{p.Code}: {Enc(p.Text)}</p>";

    static string Page(string title, string body) =>
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/><title>{Enc(title)} - OutlookOAuth lab authority</title></head><body>{body}</body></html>";

    static string Enc(string? s) => WebUtility.HtmlEncode(s ?? "");

    static async Task Html(HttpContext ctx, int status, string html)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store, no-cache";
        await ctx.Response.WriteAsync(html, Encoding.UTF8, ctx.RequestAborted);
    }
}
