using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

/// <summary>How an outgoing server authenticates (YAML: outlook | password).</summary>
public enum ServerAuthentication { Outlook, Password }
