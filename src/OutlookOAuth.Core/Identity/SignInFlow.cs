using System.Text.Json.Serialization;

namespace OutlookOAuth.Identity;

/// <summary>How a server's tokens were obtained.</summary>
public enum SignInFlow
{
    /// <summary>Authorization code + PKCE, redirect received on a loopback listener (confidential client).</summary>
    Browser,
    /// <summary>Authorization code + PKCE, final redirected URL pasted back (confidential client).</summary>
    RedirectPaste,
    /// <summary>Device code (public client).</summary>
    DeviceCode,
    /// <summary>Client credentials (confidential client, secret or certificate).</summary>
    AppOnly,
    /// <summary>App-only tokens of a managed identity of the machine (no secret; kept only in MSAL's process cache).</summary>
    ManagedIdentity,
}
