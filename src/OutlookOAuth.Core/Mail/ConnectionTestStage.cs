using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>The steps of a connection test, in order. SMTP: Token, Connect, Tls, Authenticate, Sender, Recipient,
/// Data. IMAP: Token, Connect, Tls, Authenticate, Select.</summary>
public enum ConnectionTestStage
{
    /// <summary>Getting an access token from the token provider (refreshing it when needed).</summary>
    Token,
    /// <summary>DNS, TCP connection; for STARTTLS servers also the greeting and EHLO/CAPABILITY.</summary>
    Connect,
    /// <summary>The TLS handshake (implicit or after STARTTLS) and the greeting/EHLO/CAPABILITY that follow it.</summary>
    Tls,
    /// <summary>AUTH XOAUTH2 (SMTP) or AUTHENTICATE XOAUTH2 (IMAP).</summary>
    Authenticate,
    /// <summary>SMTP MAIL FROM.</summary>
    Sender,
    /// <summary>SMTP RCPT TO.</summary>
    Recipient,
    /// <summary>SMTP DATA (354 expected; nothing is sent).</summary>
    Data,
    /// <summary>IMAP SELECT INBOX.</summary>
    Select,
}
