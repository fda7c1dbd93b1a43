using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

/// <summary>Which way a server carries mail: SMTP (outgoing) or IMAP (incoming).</summary>
public enum MailServerDirection { Outgoing, Incoming }
