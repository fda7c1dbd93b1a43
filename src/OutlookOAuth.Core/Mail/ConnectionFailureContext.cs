using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>What is known about a failed connection test, for <see cref="ConnectionHints.Describe"/>.</summary>
/// <param name="Connected">True once the TCP connection was established.</param>
/// <param name="ReplyCode">SMTP reply code; null for IMAP and non-reply failures.</param>
/// <param name="EnhancedCode">SMTP enhanced status code, or the IMAP response code (e.g. AUTHENTICATIONFAILED).</param>
/// <param name="ServerText">The server's text (reply text or IMAP status line without the tag).</param>
public sealed record ConnectionFailureContext(
    MailServer Server,
    ConnectionTestStage Stage,
    MailFailure Failure,
    bool Connected = false,
    int? ReplyCode = null,
    string? EnhancedCode = null,
    string? ServerText = null,
    bool AppOnly = false,
    string? Sender = null,
    string? Recipient = null,
    TimeSpan? Timeout = null);
