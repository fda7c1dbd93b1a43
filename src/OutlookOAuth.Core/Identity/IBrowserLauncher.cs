using System.ComponentModel;
using System.Diagnostics;

namespace OutlookOAuth.Identity;

/// <summary>Opens a sign-in URL for the user.</summary>
public interface IBrowserLauncher
{
    /// <summary>Starts opening <paramref name="url"/>; false with a reason when no browser can start.</summary>
    Task<BrowserLaunch> OpenAsync(Uri url, CancellationToken cancellationToken);
}
