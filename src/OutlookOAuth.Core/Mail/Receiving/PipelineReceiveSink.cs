using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>Hands a receive's results to the pipeline thread through the command's <see cref="PipelineChannel"/>. A message
/// is accepted only once the pipeline has processed it (<see cref="PipelineChannel.DeliverAsync"/>); what a later command
/// threw, or the pipeline stopping, comes back out of <see cref="Deliver"/>, so that message and the rest stay unseen.</summary>
public sealed class PipelineReceiveSink(PipelineChannel channel) : IReceiveSink
{
    /// <summary>The progress activity.</summary>
    public const string Activity = "Receiving mail";

    public bool Deliver(ReceivedMessage message) => channel.DeliverAsync(message).GetAwaiter().GetResult();

    public void Failed(MessageReceiveException error) => channel.Error(error, error.Partial);

    public void Progress(ReceiveProgress p) =>
        channel.Progress(new PipelineProgress(Activity, $"{p.Server} ({p.Folder}): {p.Done} of {p.Total} messages, {p.Committed} marked read")
            { PercentComplete = p.Total == 0 ? 100 : Math.Min(100, 100 * p.Done / p.Total) });
}
