namespace OutlookOAuth.Mail.Receiving;

/// <summary>One message could not be received (its body could not be fetched, saved or parsed). The others go on; this one
/// stays unseen (and is moved aside when a failed folder is given). <see cref="Partial"/> holds what is known of it: UID,
/// size, internal date, and the header fields when it could be parsed; Path when its raw bytes were saved.</summary>
public sealed class MessageReceiveException : OutlookOAuthException
{
    /// <param name="errorId">A stable id: MessageUnreadable (a Parse failure), MessageNotFetched (the server would not send
    /// it: a Protocol failure), MessageNotSaved (a Write failure).</param>
    public MessageReceiveException(string errorId, string message, string? hint, ReceivedMessage partial, Exception? inner = null)
        : base(errorId, errorId switch { "MessageUnreadable" => FailureKind.Parse, "MessageNotFetched" => FailureKind.Protocol, _ => FailureKind.Write },
            message, hint, inner) =>
        Target = Partial = partial;

    public ReceivedMessage Partial { get; }
}
