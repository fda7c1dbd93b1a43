using System.Text.Json.Serialization;

namespace OutlookOAuth.Identity;

/// <summary>What the token store knows about a server's tokens, without any secret: enough to compute
/// <see cref="TokenStatus"/> with no network. Saved as JSON beside the protected token cache.</summary>
public sealed class TokenMetadata
{
    public const int CurrentVersion = 1;
    /// <summary>Entra refresh tokens expire after 90 days without use.</summary>
    public static readonly TimeSpan RefreshTokenIdleLifetime = TimeSpan.FromDays(90);

    public int Version { get; set; } = CurrentVersion;
    public string Direction { get; set; } = "";
    public string ServerName { get; set; } = "";
    /// <summary>The server's username when it was connected (the partition is keyed by it).</summary>
    public string Username { get; set; } = "";
    public SignInFlow Flow { get; set; }
    /// <summary>The account that signed in (equal to <see cref="Username"/>, case-insensitively, for user flows).</summary>
    public string? SignedInAs { get; set; }
    /// <summary>MSAL's home account id (uid.utid) used to find the account in the cache.</summary>
    public string? HomeAccountId { get; set; }
    public string? ClientId { get; set; }
    public string? Authority { get; set; }
    public string[] Scopes { get; set; } = Array.Empty<string>();
    public DateTimeOffset ConnectedOn { get; set; }
    /// <summary>When the authority last issued tokens for this server (sign-in or refresh).</summary>
    public DateTimeOffset LastRefreshOn { get; set; }
    public DateTimeOffset? AccessTokenExpiresOn { get; set; }
    /// <summary>Set when the authority refused the refresh token (revoked, expired): reconnect.</summary>
    public DateTimeOffset? RefreshRejectedOn { get; set; }
    public string? RefreshRejectedCode { get; set; }

    [JsonIgnore] public bool AppOnly => Flow is SignInFlow.AppOnly or SignInFlow.ManagedIdentity;
    [JsonIgnore] public bool PublicClient => Flow == SignInFlow.DeviceCode;

    /// <summary>The status at <paramref name="now"/>: Valid while the access token lives; then Refreshable
    /// (app-only tokens always are: client credentials renew them); Expired when the refresh token was
    /// refused or idle for more than 90 days.</summary>
    public TokenStatus StatusAt(DateTimeOffset now)
    {
        if (RefreshRejectedOn is not null) return TokenStatus.Expired;
        if (AccessTokenExpiresOn is { } exp && exp > now) return TokenStatus.Valid;
        if (AppOnly) return TokenStatus.Refreshable;
        return now - LastRefreshOn > RefreshTokenIdleLifetime ? TokenStatus.Expired : TokenStatus.Refreshable;
    }
}
