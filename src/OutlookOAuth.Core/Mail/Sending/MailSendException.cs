namespace OutlookOAuth.Mail.Sending;

/// <summary>One message could not be sent (or its delivery is unknown), with the server's reply and a hint.
/// Never contains a token.</summary>
public sealed class MailSendException : OutlookOAuthException
{
    /// <param name="errorId">A stable id: InvalidSender, NoRecipients, AttachmentNotFound, NoServer, SendAsDenied, Throttled,
    /// DeliveryUnknown, ...</param>
    /// <param name="kind">InvalidArgument (the input), NotFound (no server), PermissionDenied (refused), Authentication,
    /// LimitsExceeded (throttled) or Connection (lost, or delivery unknown).</param>
    public MailSendException(string errorId, FailureKind kind, string message, string? hint = null,
        string? serverReply = null, int? statusCode = null, Exception? inner = null) : base(errorId, kind, message, hint, inner)
    {
        ServerReply = serverReply;
        StatusCode = statusCode;
    }

    /// <summary>The server's reply ("550 5.7.60 SendAsDenied; ..."), or null when no server answered.</summary>
    public string? ServerReply { get; }
    public int? StatusCode { get; }
    /// <summary>The message id of the message, when it was composed.</summary>
    public string? MessageId { get; init; }
    /// <summary>The name of the chosen server, when there was one.</summary>
    public string? Server { get; init; }
}
