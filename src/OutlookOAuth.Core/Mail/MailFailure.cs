namespace OutlookOAuth.Mail;

/// <summary>Why a mail protocol step failed. Stable: used as the base of error ids and hints.</summary>
public enum MailFailure
{
    /// <summary>The host name does not resolve.</summary>
    HostNotFound,
    /// <summary>Nothing listens on the port (TCP RST).</summary>
    ConnectionRefused,
    /// <summary>No route to the host or network.</summary>
    NetworkUnreachable,
    /// <summary>A step did not finish within the timeout.</summary>
    Timeout,
    /// <summary>The server certificate chain is not trusted.</summary>
    CertificateNotTrusted,
    /// <summary>The server certificate does not name the host.</summary>
    CertificateNameMismatch,
    /// <summary>The TLS handshake failed for another reason (protocol, wrong port/security).</summary>
    TlsHandshakeFailed,
    /// <summary>The server closed the connection.</summary>
    ConnectionClosed,
    /// <summary>The server broke the protocol (malformed reply, line too long).</summary>
    ProtocolViolation,
    /// <summary>The server answered with a negative reply (ReplyCode, EnhancedCode and ServerText of the exception hold it).</summary>
    Rejected,
    /// <summary>The server does not offer what is needed (STARTTLS, XOAUTH2).</summary>
    NotSupported,
}
