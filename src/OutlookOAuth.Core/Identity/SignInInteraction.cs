namespace OutlookOAuth.Identity;

public enum SignInMessageKind
{
    /// <summary>The browser was opened on the sign-in URL.</summary>
    BrowserOpened,
    /// <summary>No browser could start: the URL must be opened by hand (or use -DeviceCode).</summary>
    BrowserUnavailable,
    /// <summary>Open this URL anywhere, then paste the final redirected URL.</summary>
    OpenAndPaste,
    /// <summary>Device code: open the verification URL and enter the code.</summary>
    DeviceCode,
}

/// <summary>Something to tell the admin during a sign-in. Holds no secret (the device user code is
/// meant to be shown).</summary>
public sealed record SignInMessage(SignInMessageKind Kind, string Text, string? Url = null, string? UserCode = null)
{
    /// <summary>When the device code expires (device-code messages only).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}

/// <summary>The seam between a sign-in and whoever runs it (a cmdlet forwards messages to the
/// warning/information streams and prompts; tests answer directly).</summary>
public interface ISignInInteraction
{
    void Notify(SignInMessage message);
    /// <summary>Asks for the final redirected URL after a sign-in elsewhere; null when none is given.</summary>
    Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken);
}
