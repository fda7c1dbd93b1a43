namespace OutlookOAuth.Identity;

/// <summary>What a sign-in tells the person at the keyboard (<see cref="SignInMessage.Kind"/>).</summary>
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
