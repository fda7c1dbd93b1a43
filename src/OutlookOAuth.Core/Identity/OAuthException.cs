using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

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
