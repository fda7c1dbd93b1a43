namespace OutlookOAuth.Sending;

/// <summary>One message could not be sent (or its delivery is unknown), with the server's reply and a hint.
/// Never contains a token.</summary>
public sealed class MailSendException : Exception
{
    public MailSendException(string errorId, MailSendFailure failure, string message, string? hint = null,
        string? serverReply = null, int? statusCode = null, Exception? inner = null) : base(message, inner)
    {
        ErrorId = errorId;
        Failure = failure;
        Hint = hint;
        ServerReply = serverReply;
        StatusCode = statusCode;
    }

    /// <summary>A stable id: InvalidSender, NoRecipients, AttachmentNotFound, NoServer, SendAsDenied, Throttled, DeliveryUnknown, ...</summary>
    public string ErrorId { get; }
    public MailSendFailure Failure { get; }
    /// <summary>What the admin should do, or null.</summary>
    public string? Hint { get; }
    /// <summary>The server's reply ("550 5.7.60 SendAsDenied; ..."), or null when no server answered.</summary>
    public string? ServerReply { get; }
    public int? StatusCode { get; }
    /// <summary>The message id of the message, when it was composed.</summary>
    public string? MessageId { get; init; }
    /// <summary>The name of the chosen server, when there was one.</summary>
    public string? Server { get; init; }
}
