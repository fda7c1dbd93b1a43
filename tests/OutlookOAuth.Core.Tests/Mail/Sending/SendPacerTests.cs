using System.Diagnostics;
using OutlookOAuth.Mail.Sending;
using Xunit;

namespace OutlookOAuth.Tests.Sending;

/// <summary>The sliding window, on a short window so the test runs in real time.</summary>
public class SendPacerTests
{
    [Fact]
    public async Task At_most_the_limit_leaves_per_window_per_mailbox_and_other_mailboxes_are_not_held()
    {
        var window = TimeSpan.FromMilliseconds(600);
        var pacer = new SendPacer(TimeProvider.System, window);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++) Assert.Equal(TimeSpan.Zero, await pacer.WaitAsync("alice", 3, default));
        Assert.Equal(TimeSpan.Zero, await pacer.WaitAsync("bob", 3, default));
        Assert.True(watch.Elapsed < window, "the first 3 and another mailbox go at once");
        var waited = await pacer.WaitAsync("alice", 3, default);
        Assert.True(waited > TimeSpan.Zero);
        Assert.True(watch.Elapsed >= window - TimeSpan.FromMilliseconds(20), $"the 4th waits for the window ({watch.Elapsed})");
    }

    [Fact]
    public async Task Zero_is_no_pacing_and_a_wait_can_be_cancelled()
    {
        var pacer = new SendPacer(TimeProvider.System, TimeSpan.FromHours(1));
        for (var i = 0; i < 100; i++) Assert.Equal(TimeSpan.Zero, await pacer.WaitAsync("alice", 0, default));
        await pacer.WaitAsync("alice", 1, default);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pacer.WaitAsync("alice", 1, cts.Token));
    }
}
