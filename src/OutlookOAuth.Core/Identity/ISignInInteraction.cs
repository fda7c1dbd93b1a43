namespace OutlookOAuth.Identity;

/// <summary>The seam between a sign-in and whoever runs it (a cmdlet forwards messages to the
/// warning/information streams and prompts; tests answer directly).</summary>
public interface ISignInInteraction
{
    void Notify(SignInMessage message);
    /// <summary>Asks for the final redirected URL after a sign-in elsewhere; null when none is given.</summary>
    Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken);
}
