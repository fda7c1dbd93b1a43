namespace OutlookOAuth.Mail;

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
