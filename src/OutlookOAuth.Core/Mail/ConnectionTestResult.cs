using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>The outcome of Test-OutlookConnection for one server.</summary>
public sealed class ConnectionTestResult
{
    /// <summary>The server's name (binds -Name of the next cmdlet).</summary>
    public string Name { get; init; } = "";
    public MailServerDirection Direction { get; init; }
    public string HostName { get; init; } = "";
    public int Port { get; init; }
    public string Endpoint => $"{HostName}:{Port}";
    public string Username { get; init; } = "";
    public bool Success { get; init; }
    /// <summary>The last stage attempted: the failing one, or the final one on success.</summary>
    public ConnectionTestStage Stage { get; init; }
    /// <summary>A stable id of the failure (null on success), e.g. SmtpAuthDisabledForTenant, CertificateNotTrusted.</summary>
    public string? ErrorId { get; init; }
    /// <summary>The SMTP reply code of the failing command (e.g. 535).</summary>
    public int? ReplyCode { get; init; }
    /// <summary>The enhanced status code (e.g. 5.7.139), or the IMAP response code (e.g. AUTHENTICATIONFAILED).</summary>
    public string? EnhancedCode { get; init; }
    /// <summary>What the server said (reply text; the decoded XOAUTH2 error challenge when there was one).</summary>
    public string? ServerText { get; init; }
    /// <summary>What happened, in one sentence.</summary>
    public string Message { get; init; } = "";
    /// <summary>What the admin should do.</summary>
    public string? Hint { get; init; }
    public IReadOnlyList<ConnectionTestStageTiming> StageDurations { get; init; } = Array.Empty<ConnectionTestStageTiming>();
    public TimeSpan Duration { get; init; }
    public DateTimeOffset? TokenExpiresOn { get; init; }
    /// <summary>The MAIL FROM address of the SMTP probe.</summary>
    public string? Sender { get; init; }
    /// <summary>The RCPT TO address of the SMTP probe.</summary>
    public string? Recipient { get; init; }
    /// <summary>Messages in INBOX (IMAP).</summary>
    public long? MessageCount { get; init; }
    public string? TlsProtocol { get; init; }
    /// <summary>The configuration file of the server (binds -ConfigPath of the next cmdlet).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>A failed test as the module's failure (null on success), so it is also an error a runbook can stop on:
    /// the result's ErrorId and hint, a kind from the stage that failed (Token and Authenticate: Authentication, Connect:
    /// Connection, Tls: Security, the SMTP/IMAP steps after login: Protocol).</summary>
    public OutlookOAuthException? ToException() => Success ? null : new(ErrorId ?? "ConnectionTestFailed", Stage switch
        {
            ConnectionTestStage.Token or ConnectionTestStage.Authenticate => FailureKind.Authentication,
            ConnectionTestStage.Connect => FailureKind.Connection,
            ConnectionTestStage.Tls => FailureKind.Security,
            _ => FailureKind.Protocol,
        },
        $"The connection test of the {Direction.ToString().ToLowerInvariant()} server '{Name}' ({Endpoint}) failed at {Stage}: {Message}", Hint);

    public override string ToString() =>
        Success ? $"{Direction} '{Name}' ({Endpoint}): OK" : $"{Direction} '{Name}' ({Endpoint}): failed at {Stage}: {ErrorId}";
}
