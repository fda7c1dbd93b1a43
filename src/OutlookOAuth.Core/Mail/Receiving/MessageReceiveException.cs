namespace OutlookOAuth.Mail.Receiving;

/// <summary>One message could not be received (its body could not be fetched, saved or parsed). The others go on; this one
/// stays unseen and comes again next time. <see cref="Partial"/> holds what the envelope said about it.</summary>
public sealed class MessageReceiveException : OutlookOAuthException
{
    /// <param name="errorId">A stable id: MessageUnreadable (a Parse failure), MessageNotSaved, MessageVanished.</param>
    public MessageReceiveException(string errorId, string message, string? hint, ReceivedMessage partial, Exception? inner = null)
        : base(errorId, errorId == "MessageUnreadable" ? FailureKind.Parse : FailureKind.Write, message, hint, inner) =>
        Target = Partial = partial;

    public ReceivedMessage Partial { get; }
}
