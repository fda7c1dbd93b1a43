using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

/// <summary>Connection security of an outgoing server (YAML: none | starttls | ssl).</summary>
public enum SmtpEncryption { None, StartTls, Ssl }
