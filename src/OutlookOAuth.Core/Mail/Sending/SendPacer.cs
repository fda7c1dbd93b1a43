namespace OutlookOAuth.Mail.Sending;

/// <summary>At most <c>limit</c> messages in any 60 seconds per mailbox (a sliding window, like Exchange Online's
/// 30 messages per minute): <see cref="WaitAsync"/> returns at once while the window has room, else when the oldest
/// send leaves it.</summary>
internal sealed class SendPacer(TimeProvider clock, TimeSpan? window = null)
{
    readonly TimeSpan Window = window ?? TimeSpan.FromMinutes(1);
    readonly Dictionary<string, Queue<DateTimeOffset>> _sent = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits until <paramref name="mailbox"/> may send again under <paramref name="limit"/> per minute
    /// (0 = no limit), records the send and returns how long it waited.</summary>
    public async Task<TimeSpan> WaitAsync(string mailbox, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0) return TimeSpan.Zero;
        if (!_sent.TryGetValue(mailbox, out var times)) _sent[mailbox] = times = new Queue<DateTimeOffset>(limit);
        var now = clock.GetUtcNow();
        while (times.Count > 0 && now - times.Peek() >= Window) times.Dequeue();
        var waited = TimeSpan.Zero;
        if (times.Count >= limit)
        {
            waited = times.Peek() + Window - now;
            if (waited > TimeSpan.Zero) await Task.Delay(waited, clock, cancellationToken).ConfigureAwait(false);
            now = clock.GetUtcNow();
            while (times.Count > 0 && (times.Count >= limit || now - times.Peek() >= Window)) times.Dequeue();
        }
        times.Enqueue(now);
        return waited;
    }
}
