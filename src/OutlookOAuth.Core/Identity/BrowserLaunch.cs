using System.ComponentModel;
using System.Diagnostics;

namespace OutlookOAuth.Identity;

public sealed record BrowserLaunch(bool Started, string How, string? Reason = null);
