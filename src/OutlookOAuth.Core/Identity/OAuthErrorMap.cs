using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using Microsoft.Identity.Client;

namespace OutlookOAuth.Identity;

/// <summary>Turns MSAL and network failures into <see cref="OAuthException"/>s with the AADSTS number,
/// a message that names what failed, and the fix. ErrorId is <c>AADSTS&lt;n&gt;</c> when Entra gave a
/// number, else a stable name (TokenEndpointUnreachable, TokenEndpointTimeout, ...).</summary>
public static partial class OAuthErrorMap
{
    [GeneratedRegex(@"AADSTS(\d+)")]
    private static partial Regex AadstsRegex();

    [GeneratedRegex(@"\s*(Trace ID|Correlation ID|Timestamp):.*$", RegexOptions.Singleline)]
    private static partial Regex TraceTailRegex();

    /// <summary>The fix for each AADSTS code the module knows.</summary>
    public static string? HintFor(string code, OAuthContext c) => code switch
    {
        "50011" or "500112" or "500113" =>
            $"The redirect URI sent was '{c.RedirectUri ?? "(none)"}'. Register exactly this URI on the app (Authentication > Web for a client secret; loopback URIs match on any port: register http://localhost), " +
            "or pass the registered one with Connect-OutlookAccount -RedirectUri.",
        "7000215" =>
            "The client secret is wrong: this is typically the secret's ID pasted instead of its Value. Copy the Value column of Certificates & secrets (shown once, at creation) and run Set-OutlookApplication -ClientSecret (Read-Host -AsSecureString).",
        "7000222" =>
            "The client secret has expired. Run Update-OutlookApplicationSecret (a new secret through Microsoft Graph, proved and stored), or create one under Certificates & secrets and Set-OutlookApplication -ClientSecret (Read-Host -AsSecureString) -SecretExpiresOn <its expiry date>.",
        "7000218" =>
            "The app is registered as a confidential client for this flow and no secret or certificate was sent. For -DeviceCode enable 'Allow public client flows' (Authentication > Advanced settings); otherwise store the secret with Set-OutlookApplication -ClientSecret.",
        "700025" =>
            "The app is a public client (Mobile and desktop platform), so no client secret may be sent. Remove it (Set-OutlookApplication -RemoveClientSecret) and use -DeviceCode, or register a Web platform redirect URI to use the secret.",
        "65001" or "90094" or "90095" or "65004" =>
            $"The permission for the mail scope has not been consented to. A tenant administrator can grant it for everyone at {c.Authority.AdminConsentUrl(c.ClientId ?? "<client id>")} (or in Enterprise applications > Permissions > Grant admin consent, or Register-OutlookApplication -GrantAdminConsent), then connect again.",
        "50105" =>
            "The application requires assignment and this user is not assigned to it. Assign the user: Get-OutlookMailServer -Name <server> | Add-OutlookApplicationAssignment (or Enterprise applications > Users and groups), then connect again.",
        "700082" or "70008" or "50173" or "70043" =>
            "The refresh token has expired or was revoked (90 days without use, a password reset or a revocation). Reconnect the account: Connect-OutlookAccount.",
        "50076" or "50079" or "50078" or "50074" =>
            "Multi-factor authentication is required. Run Connect-OutlookAccount interactively (browser, or -DeviceCode on a host without one); a silent refresh cannot satisfy it.",
        "70011" or "700022" or "1002012" =>
            $"The scope is not valid for this app: user tokens need '{OutlookScopes.SmtpSend}' or '{OutlookScopes.ImapAccessAsUser}' (delegated), app-only tokens '{OutlookScopes.AppOnly}' (Office 365 Exchange Online application permissions SMTP.SendAsApp / IMAP.AccessAsApp).",
        "50194" =>
            "The app is single-tenant, so the 'common' endpoint cannot be used. Set the tenant: Set-OutlookApplication -Tenant <tenant id or domain>.",
        "54005" =>
            "The authorization code was already redeemed. Codes are single-use: sign in again with Connect-OutlookAccount.",
        "501481" =>
            "The PKCE code verifier does not match the code challenge of the sign-in; the response did not come from this sign-in. Sign in again.",
        "700016" =>
            "No application with this client id exists in the tenant. Check Set-OutlookApplication -ClientId and -Tenant.",
        "53003" or "530035" =>
            "Conditional Access or security defaults blocked the sign-in. An administrator must allow this app / sign-in for the account.",
        "70016" or "70019" or "70020" => "The device code expired before the sign-in was completed. Run Connect-OutlookAccount -DeviceCode again and finish within the time shown.",
        _ => null,
    };

    static string? HintForError(string? error, OAuthContext c) => error switch
    {
        "invalid_grant" when c.Operation == "redeem" => "The authorization code was refused (already used, expired, or issued for another redirect URI or PKCE challenge). Sign in again.",
        "invalid_grant" => "The refresh token was refused. Reconnect the account: Connect-OutlookAccount.",
        "invalid_client" => "The application credential was refused. Check the client secret (its Value, not its ID) or certificate with Set-OutlookApplication.",
        "access_denied" or "consent_required" => $"The sign-in was cancelled or consent was refused. An administrator can grant consent at {c.Authority.AdminConsentUrl(c.ClientId ?? "<client id>")}.",
        "expired_token" or "code_expired" => "The device code expired. Run Connect-OutlookAccount -DeviceCode again and finish within the time shown.",
        "authorization_declined" => "The sign-in was declined on the device-code page.",
        _ => null,
    };

    /// <summary>Maps an exception thrown by MSAL or by the network.</summary>
    public static OAuthException Map(Exception exception, OAuthContext context)
    {
        if (exception is OAuthException o) return o;
        var endpoint = context.Operation == "devicecode" ? context.Authority.DeviceCodeEndpoint : context.Authority.TokenEndpoint;

        switch (exception)
        {
            case MsalServiceException s:
            {
                var code = s.ErrorCodesForLogging?.FirstOrDefault(x => !string.IsNullOrEmpty(x)) ?? AadstsFrom(s.Message) ?? AadstsFrom(s.ResponseBody);
                if (s.ErrorCode == MsalError.ServiceNotAvailable || (s.StatusCode >= 500 && code is null))
                    return new OAuthException("TokenEndpointUnavailable",
                        Scrub($"The authority at {endpoint} is unavailable (HTTP {s.StatusCode}).", context),
                        "Retry later; check the authority URL (Set-OutlookApplication -Authority / -Tenant).", inner: null);
                if (s.ErrorCode == MsalError.RequestTimeout)
                    return Timeout(endpoint, context);
                return FromEntra(s.ErrorCode, code, s.Message, s.StatusCode, context);
            }
            case MsalClientException c when c.ErrorCode == MsalError.RequestTimeout:
                return Timeout(endpoint, context);
            case MsalClientException c:
                return new OAuthException("MsalClientError_" + c.ErrorCode, Scrub($"Sign-in failed ({c.ErrorCode}): {c.Message}", context),
                    HintForError(c.ErrorCode, context));
            case MsalException m:
                return FromEntra(m.ErrorCode, AadstsFrom(m.Message), m.Message, 0, context);
            case TaskCanceledException or OperationCanceledException or TimeoutException:
                return Timeout(endpoint, context);
            case HttpRequestException h:
                if (Find<AuthenticationException>(h) is { } tls)
                    return new OAuthException("AuthorityCertificateUntrusted",
                        Scrub($"The TLS certificate of {endpoint} is not trusted: {tls.Message}", context),
                        "If the authority uses a private CA, set $env:OUTLOOKOAUTH_CA_FILE to a PEM bundle of that CA. Certificate validation is never turned off.");
                var socket = Find<SocketException>(h);
                return new OAuthException("TokenEndpointUnreachable",
                    Scrub($"Cannot reach the authority at {endpoint}: {socket?.Message ?? h.Message}", context),
                    "Check the network, proxy and the authority URL (Set-OutlookApplication -Authority / -Tenant).");
            default:
                return new OAuthException("OAuthError", Scrub($"Sign-in failed at {endpoint}: {exception.Message}", context), null);
        }
    }

    /// <summary>An error returned by the authority (token endpoint, or the error of an authorization redirect).</summary>
    public static OAuthException FromEntra(string? error, string? aadsts, string? description, int status, OAuthContext context)
    {
        aadsts ??= AadstsFrom(description);
        var text = Shorten(description);
        var what = context.Operation switch
        {
            "redeem" => "Redeeming the authorization code",
            "refresh" => "Refreshing the token",
            "devicecode" => "The device-code sign-in",
            "client_credentials" => "Getting an app-only token",
            "authorize" => "The sign-in",
            _ => "The token request",
        };
        var message = $"{what} failed at {(context.Operation == "authorize" ? context.Authority.AuthorizeEndpoint : context.Authority.TokenEndpoint)}: " +
                      (string.IsNullOrWhiteSpace(text) ? error ?? "unknown error" : text);
        if (aadsts is "50011" or "500112" or "500113" && context.RedirectUri is { } r && !message.Contains(r, StringComparison.Ordinal))
            message += $" (redirect URI used: {r})";
        var hint = (aadsts is null ? null : HintFor(aadsts, context)) ?? HintForError(error, context);
        return new OAuthException(aadsts is null ? ErrorIdFor(error) : "AADSTS" + aadsts, Scrub(message, context), hint, aadsts);
    }

    static string ErrorIdFor(string? error) => error switch
    {
        null or "" => "OAuthError",
        _ => "OAuth_" + error,
    };

    static OAuthException Timeout(string endpoint, OAuthContext context) =>
        new("TokenEndpointTimeout", Scrub($"The authority at {endpoint} did not answer in time.", context),
            "Check the network and proxy; retry. The timeout is bounded (30 s by default).");

    internal static string? AadstsFrom(string? text) => text is null ? null : AadstsRegex().Match(text) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Drops MSAL's invalid_client preamble and Entra's trace/correlation tail.</summary>
    static string Shorten(string? description)
    {
        if (string.IsNullOrWhiteSpace(description)) return "";
        var d = description;
        var original = d.IndexOf("Original exception:", StringComparison.Ordinal);
        if (original >= 0) d = d[(original + "Original exception:".Length)..];
        d = TraceTailRegex().Replace(d, "");
        return d.Trim();
    }

    /// <summary>Replaces every known secret in a text with "***".</summary>
    public static string Scrub(string text, OAuthContext context)
    {
        foreach (var s in context.Secrets)
            if (!string.IsNullOrEmpty(s) && s.Length >= 4)
                text = text.Replace(s, "***", StringComparison.Ordinal);
        return text;
    }

    static T? Find<T>(Exception e) where T : Exception
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }
}
