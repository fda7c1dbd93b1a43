using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>An access token ready for XOAUTH2. <see cref="Username"/> is the SASL <c>user=</c>
/// (the server's username; for app-only tokens the mailbox to open).</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresOn, string Username, bool AppOnly = false)
{
    /// <summary>Never print the token.</summary>
    public override string ToString() => $"AccessToken(user={Username}, expires={ExpiresOn:u}, appOnly={AppOnly})";
}

/// <summary>What the mail code calls to get a valid token for a server (refreshing as needed).</summary>
public interface IAccessTokenProvider
{
    /// <exception cref="OAuthException">the token cannot be obtained (not connected, refresh refused, network).</exception>
    Task<AccessToken> GetAccessTokenAsync(MailServer server, CancellationToken cancellationToken);
}

/// <summary>A failure of the OAuth layer, with the AADSTS code when Entra gave one and a hint for the admin.
/// Messages never contain secrets or tokens.</summary>
public sealed class OAuthException : OutlookOAuthException
{
    /// <param name="errorId">A stable id such as NotConnected, AADSTS700082, TokenEndpointUnreachable.</param>
    public OAuthException(string errorId, string message, string? hint = null, string? aadsts = null, Exception? inner = null)
        : base(errorId, FailureKind.Authentication, message, hint, inner) => AadstsCode = aadsts;

    /// <summary>The AADSTS number as text ("700082"), when Entra returned one.</summary>
    public string? AadstsCode { get; }
}
