using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using Microsoft.Identity.Client;

namespace OutlookOAuth.Identity;

/// <summary>What was being done when an OAuth error happened: names the endpoint and the redirect URI
/// in messages. Holds no secret; <see cref="Secrets"/> are only used to scrub text.</summary>
public sealed record OAuthContext(OutlookAuthority Authority, string? ClientId, string Operation)
{
    public string? RedirectUri { get; init; }
    /// <summary>Values that must never appear in a message (client secret, tokens, code, verifier).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = Array.Empty<string>();
}
