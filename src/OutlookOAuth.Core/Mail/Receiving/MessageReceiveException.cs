namespace OutlookOAuth.Mail.Receiving;

/// <summary>One message could not be received (its body could not be fetched, saved or parsed). The others go on; this one
/// stays unseen and comes again next time. <see cref="Partial"/> holds what the envelope said about it.</summary>
public sealed class MessageReceiveException : Exception
{
    public MessageReceiveException(string errorId, string message, string? hint, ReceivedMessage partial, Exception? inner = null)
        : base(message, inner) => (ErrorId, Hint, Partial) = (errorId, hint, partial);

    /// <summary>A stable id: MessageUnreadable, MessageNotSaved, MessageVanished.</summary>
    public string ErrorId { get; }
    public string? Hint { get; }
    public ReceivedMessage Partial { get; }
}
