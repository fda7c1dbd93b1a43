using System.Security.Cryptography;
using Microsoft.Identity.Client;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>What <see cref="OutlookSignIn.ConnectAsync"/> should do.</summary>
public sealed record SignInRequest(SignInFlow Flow)
{
    /// <summary>Browser flow: an http loopback URI (port/path to listen on). Paste flow: the registered
    /// https redirect URI. Null: the application's RedirectUri, else http://localhost:&lt;free port&gt;/.</summary>
    public Uri? RedirectUri { get; init; }
    /// <summary>How long to wait for the user (browser, paste, device code). Default 5 minutes, 15 for device code.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>False when no person can act in this session (pwsh -NonInteractive, redirected input): when no browser
    /// starts, the browser flow fails at once (NoBrowser, with the -DeviceCode hint) instead of waiting for someone to
    /// open the URL by hand.</summary>
    public bool PersonPresent { get; init; } = true;

    /// <summary>The flow for the cmdlet switches: -AppOnly, -DeviceCode, -RedirectUri (non-loopback = paste).</summary>
    public static SignInRequest For(bool appOnly, bool deviceCode, string? redirectUri, OutlookApplicationSettings settings)
    {
        if (appOnly) return new SignInRequest(SignInFlow.AppOnly);
        if (deviceCode) return new SignInRequest(SignInFlow.DeviceCode);
        var text = string.IsNullOrWhiteSpace(redirectUri) ? settings.RedirectUri : redirectUri;
        if (string.IsNullOrWhiteSpace(text)) return new SignInRequest(SignInFlow.Browser);
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !LoopbackRedirectListener.IsLoopback(uri)))
            throw new OAuthException("InvalidRedirectUri", $"The redirect URI '{text}' must be https, or http on localhost / 127.0.0.1.",
                "Pass the redirect URI registered on the app, e.g. https://odoo.example.com/microsoft_outlook/confirm or http://localhost.");
        return new SignInRequest(LoopbackRedirectListener.IsLoopback(uri) ? SignInFlow.Browser : SignInFlow.RedirectPaste) { RedirectUri = uri };
    }
}
