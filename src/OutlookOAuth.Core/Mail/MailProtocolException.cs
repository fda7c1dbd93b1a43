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

/// <summary>A failure of the SMTP/IMAP client. Messages name the endpoint and the step, never a secret.</summary>
public sealed class MailProtocolException : OutlookOAuthException
{
    /// <summary>The ErrorId is the failure's name unless a stable id from <see cref="ConnectionHints"/> is given (init).</summary>
    public MailProtocolException(MailFailure failure, string message, Exception? inner = null)
        : base(failure.ToString(), FailureKind.Protocol, message, inner: inner) => Failure = failure;

    public MailFailure Failure { get; }
    /// <summary>The step that failed (<see cref="MailClientConnector"/> sets it: Connect, Tls or Authenticate).</summary>
    public ConnectionTestStage? Stage { get; init; }

    /// <summary>From the failure: a refused login is Authentication, any other refusal PermissionDenied.</summary>
    public override FailureKind Kind => Failure switch
    {
        MailFailure.Timeout => FailureKind.Timeout,
        MailFailure.HostNotFound or MailFailure.ConnectionRefused or MailFailure.NetworkUnreachable or MailFailure.ConnectionClosed => FailureKind.Connection,
        MailFailure.CertificateNotTrusted or MailFailure.CertificateNameMismatch or MailFailure.TlsHandshakeFailed => FailureKind.Security,
        MailFailure.Rejected when Stage == ConnectionTestStage.Authenticate => FailureKind.Authentication,
        MailFailure.Rejected => FailureKind.PermissionDenied,
        MailFailure.NotSupported => FailureKind.NotSupported,
        _ => FailureKind.Protocol,
    };
    /// <summary>The SMTP reply code of a refusal (535, 550, ...); null for IMAP and non-reply failures.</summary>
    public int? ReplyCode { get; init; }
    /// <summary>The SMTP enhanced status code (5.7.139), or the IMAP response code (AUTHENTICATIONFAILED).</summary>
    public string? EnhancedCode { get; init; }
    /// <summary>The server's text of the refusal (SMTP reply text, or the IMAP status line without the tag).</summary>
    public string? ServerText { get; init; }
}
