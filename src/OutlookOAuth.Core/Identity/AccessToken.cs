using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>An access token ready for XOAUTH2. <see cref="Username"/> is the SASL <c>user=</c>
/// (the server's username; for app-only tokens the mailbox to open).</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresOn, string Username, bool AppOnly = false)
{
    /// <summary>Never print the token.</summary>
    public override string ToString() => $"AccessToken(user={Username}, expires={ExpiresOn:u}, appOnly={AppOnly})";
}
