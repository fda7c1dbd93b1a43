namespace OutlookOAuth;

/// <summary>What kind of failure an <see cref="OutlookOAuthException"/> is. The cmdlets map each kind to one PowerShell
/// ErrorCategory (in <c>OutlookCmdlet.ToErrorRecord</c>, the only place that knows PowerShell).</summary>
public enum FailureKind
{
    /// <summary>A value breaks a rule of the configuration (InvalidData).</summary>
    InvalidData,
    /// <summary>What was given to a command cannot be used: a malformed sender, an unreadable attachment (InvalidArgument).</summary>
    InvalidArgument,
    /// <summary>A named thing does not exist: a server, a file, a server for a sender (ObjectNotFound).</summary>
    NotFound,
    /// <summary>A file or message cannot be parsed (ParserError).</summary>
    Parse,
    /// <summary>Another process holds a lock (ResourceBusy).</summary>
    Busy,
    /// <summary>A token cannot be had, or a server refused the login (AuthenticationError).</summary>
    Authentication,
    /// <summary>The system or a server refused the operation: access denied, SendAs denied (PermissionDenied).</summary>
    PermissionDenied,
    /// <summary>A server cannot be reached, or the connection was lost (ConnectionError).</summary>
    Connection,
    /// <summary>A step did not finish in time (OperationTimeout).</summary>
    Timeout,
    /// <summary>TLS failed: an untrusted or misnamed certificate, a failed handshake (SecurityError).</summary>
    Security,
    /// <summary>A server broke the protocol or answered unexpectedly (ProtocolError).</summary>
    Protocol,
    /// <summary>A server does not offer what is needed, such as XOAUTH2 (NotImplemented).</summary>
    NotSupported,
    /// <summary>A server's limit was reached: throttling (LimitsExceeded).</summary>
    LimitsExceeded,
    /// <summary>A file cannot be read (ReadError).</summary>
    Read,
    /// <summary>A file cannot be written (WriteError).</summary>
    Write,
}
