using Microsoft.Identity.Client;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>Checks that the account that signed in is the server's username.</summary>
public static class AccountVerifier
{
    public static bool Matches(string expected, string? signedIn)
    {
        if (string.IsNullOrWhiteSpace(signedIn)) return false;
        var a = MailSyntax.NormalizeAddress(expected) ?? expected.Trim().ToLowerInvariant();
        var b = MailSyntax.NormalizeAddress(signedIn) ?? signedIn.Trim().ToLowerInvariant();
        return string.Equals(a, b, StringComparison.Ordinal);
    }

    /// <exception cref="OAuthException">AccountMismatch, naming both accounts.</exception>
    public static void Verify(MailServer server, string? signedIn)
    {
        if (Matches(server.Username, signedIn)) return;
        throw new OAuthException("AccountMismatch",
            $"The account that signed in ({(string.IsNullOrWhiteSpace(signedIn) ? "unknown" : signedIn)}) is not the username of {server} ({server.Username}); nothing was stored.",
            $"Sign in as {server.Username} (use a private browser window or sign out first), or change the server's username with Set-OutlookMailServer.");
    }
}
