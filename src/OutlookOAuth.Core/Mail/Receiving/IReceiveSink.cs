namespace OutlookOAuth.Mail.Receiving;

/// <summary>Where <see cref="MailReceiver.Receive"/> hands its results, on the calling thread (the cmdlet's is
/// <see cref="PipelineReceiveSink"/>).</summary>
public interface IReceiveSink
{
    /// <summary>Hands a message on. Returning normally makes it safe (it is flagged \Seen or moved at the next commit); an
    /// exception leaves it and every later one unseen and ends the receive (after committing the earlier ones). Return false
    /// to accept this message and stop receiving.</summary>
    bool Deliver(ReceivedMessage message);

    /// <summary>A message that could not be received; it stays unseen.</summary>
    void Failed(MessageReceiveException error);

    /// <summary>Progress: messages handled of those found.</summary>
    void Progress(ReceiveProgress progress);
}
