namespace OutlookOAuth;

/// <summary>The base of every failure the module reports: a stable <see cref="ErrorId"/> a runbook can match, a
/// <see cref="Kind"/> (which becomes the ErrorRecord's category), an optional <see cref="Hint"/> (its RecommendedAction)
/// and, when the core knows it better than the caller, the <see cref="Target"/> it is about (a file path). Any other
/// exception out of the core is a bug. Messages never contain a secret or a token.</summary>
public class OutlookOAuthException : Exception
{
    public OutlookOAuthException(string errorId, FailureKind kind, string message, string? hint = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Hint = hint;
    }

    /// <summary>A stable id such as ServerNotFound, ConfigurationLocked, NotConnected, SendAsDenied.</summary>
    public string ErrorId { get; init; }
    /// <summary>What kind of failure it is.</summary>
    public virtual FailureKind Kind { get; }
    /// <summary>What the admin should do, or null.</summary>
    public string? Hint { get; init; }
    /// <summary>What the failure is about when the core knows it for certain (the configuration file of a file failure, the
    /// message of a receive failure): it is the ErrorRecord's TargetObject; else the caller's object is.</summary>
    public object? Target { get; init; }
}
