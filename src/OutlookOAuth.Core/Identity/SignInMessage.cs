namespace OutlookOAuth.Identity;

/// <summary>Something to tell the admin during a sign-in. Holds no secret (the device user code is
/// meant to be shown).</summary>
public sealed record SignInMessage(SignInMessageKind Kind, string Text, string? Url = null, string? UserCode = null)
{
    /// <summary>When the device code expires (device-code messages only).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}
