namespace OutlookOAuth.Identity;

/// <summary>State of a server's tokens, computed without network from stored data.</summary>
public enum TokenStatus
{
    /// <summary>Not computed (for example a server object that has not been read from a store).</summary>
    Unknown,
    /// <summary>No token stored for the server.</summary>
    Missing,
    /// <summary>The access token has not expired yet.</summary>
    Valid,
    /// <summary>The access token expired but a refresh token (or app credentials) can renew it.</summary>
    Refreshable,
    /// <summary>The refresh token has been idle for more than 90 days: reconnect the account.</summary>
    Expired,
    /// <summary>The server does not use Outlook OAuth (password authentication).</summary>
    NotApplicable,
}
