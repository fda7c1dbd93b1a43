using System.Diagnostics;
using OutlookOAuth.Identity;
using OutlookOAuth.Pipeline;
using Xunit;

namespace OutlookOAuth.Tests.Pipeline;

public class PipelineChannelTests
{
    sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void Everything_the_work_writes_arrives_in_order_on_the_draining_thread()
    {
        using var channel = new PipelineChannel();
        var work = Task.Run(async () =>
        {
            channel.Verbose("v1");
            channel.Output("o1");
            channel.Warning("w1");
            channel.Information("i1", "SignIn", "DeviceCode");
            channel.Error(new OutlookOAuthException("E1", FailureKind.Protocol, "e1"), null);
            var (answered, answer) = await channel.AskAsync(new PipelinePrompt("c", "m", "Field", "Label"));
            channel.Output($"answer {answered} {answer}");
            return 42;
        });
        var writer = new RecordingWriter { Answer = _ => "pasted" };
        channel.Drain(writer, work);
        Assert.Equal(42, work.Result);
        Assert.Equal(["verbose:v1", "output:o1", "warning:w1", "information:i1|SignIn,DeviceCode", "error:e1", "ask:Label", "output:answer True pasted"], writer.Lines);
        Assert.Equal([Environment.CurrentManagedThreadId], writer.Threads);
    }

    [Fact]
    public void A_delivery_completes_only_after_the_write_returned_and_says_whether_more_are_wanted()
    {
        using var channel = new PipelineChannel();
        var writes = 0;
        var writer = new RecordingWriter { OnObject = _ => ++writes < 2 }; // the second object is the last one wanted
        var seen = new List<string>();
        var work = Task.Run(async () =>
        {
            for (var i = 1; i <= 3; i++)
            {
                var more = await channel.DeliverAsync("m" + i);
                seen.Add($"m{i}:{more}:{Volatile.Read(ref writes)}");
                if (!more) break;
            }
        });
        channel.Drain(writer, work);
        work.GetAwaiter().GetResult();
        Assert.Equal(["m1:True:1", "m2:False:2"], seen);
        Assert.True(channel.OutputClosed);
        Assert.False(channel.Token.IsCancellationRequested); // the work was told by its delivery, not cancelled
    }

    [Fact]
    public void A_write_that_throws_fails_that_delivery_and_is_rethrown_once_the_work_has_ended()
    {
        using var channel = new PipelineChannel();
        var downstream = new InvalidOperationException("a later command threw");
        var writer = new RecordingWriter { OnObject = v => (string)v == "m2" ? throw downstream : true };
        var cleanedUp = false;
        var work = Task.Run(async () =>
        {
            try
            {
                await channel.DeliverAsync("m1");
                await channel.DeliverAsync("m2");
                await channel.DeliverAsync("m3");
            }
            finally
            {
                await Task.Delay(100);
                cleanedUp = true; // e.g. flagging what was taken before
            }
        });
        var thrown = Assert.Throws<InvalidOperationException>(() => channel.Drain(writer, work));
        Assert.Same(downstream, thrown);
        Assert.True(cleanedUp);
        Assert.Same(downstream, Assert.Throws<InvalidOperationException>(() => work.GetAwaiter().GetResult()));
        Assert.Equal(["output:m1", "output:m2"], writer.Lines);
    }

    [Fact]
    public void An_output_the_pipeline_does_not_want_cancels_the_work()
    {
        using var channel = new PipelineChannel();
        var writer = new RecordingWriter { OnObject = _ => false };
        var work = Task.Run(async () =>
        {
            channel.Output("first");
            await Task.Delay(TimeSpan.FromSeconds(30), channel.Token);
            channel.Output("never");
        });
        var watch = Stopwatch.StartNew();
        channel.Drain(writer, work);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.True(work.IsCanceled);
        Assert.Equal(["output:first"], writer.Lines);
    }

    [Fact]
    public void Stopping_cancels_a_pending_question_and_delivery_writes_nothing_more_and_ends_the_drain_promptly()
    {
        using var stop = new CancellationTokenSource();
        using var channel = new PipelineChannel(stop.Token);
        var question = channel.AskAsync(new PipelinePrompt("c", "m", "F", "L"));
        var delivery = channel.DeliverAsync("message");
        channel.Verbose("after");
        var cleanedUp = false;
        var work = Task.Run(async () =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(60), channel.Token); }
            finally { cleanedUp = true; }
        });
        stop.Cancel(); // Ctrl+C before the pipeline thread got to them
        var watch = Stopwatch.StartNew();
        var writer = new RecordingWriter { Answer = _ => "never" };
        channel.Drain(writer, work);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.True(cleanedUp);
        Assert.True(question.IsCanceled);
        Assert.True(delivery.IsCanceled);
        Assert.Empty(writer.Lines);
        Assert.True(channel.Token.IsCancellationRequested);
    }

    [Fact]
    public void A_question_answered_while_the_pipeline_stops_is_cancelled()
    {
        using var stop = new CancellationTokenSource();
        using var channel = new PipelineChannel(stop.Token);
        var writer = new RecordingWriter { Answer = _ => { stop.Cancel(); return "too late"; } };
        var work = Task.Run(async () =>
        {
            await channel.AskAsync(new PipelinePrompt("c", "m", "F", "L"));
            await channel.DeliverAsync("message");
        });
        channel.Drain(writer, work);
        Assert.ThrowsAny<OperationCanceledException>(() => work.GetAwaiter().GetResult());
        Assert.Equal(["ask:L"], writer.Lines);
    }

    [Fact]
    public void Progress_is_written_at_most_four_times_a_second_per_activity_first_and_completed_always()
    {
        var clock = new ManualClock();
        using var channel = new PipelineChannel(clock: clock);
        var writer = new RecordingWriter();
        void Post(string activity, string status, bool completed = false)
        {
            channel.Progress(new PipelineProgress(activity, status) { Completed = completed });
            channel.Drain(writer);
        }
        Post("A", "a1");
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Post("A", "a2");         // too soon
        Post("B", "b1");         // another activity
        clock.Advance(TimeSpan.FromMilliseconds(160));
        Post("A", "a3");         // 260 ms after a1
        Post("A", "a4");
        Post("A", "done", completed: true);
        Post("A", "a5");         // a new bar after completion
        Assert.Equal(["progress:a1", "progress:b1", "progress:a3", "progress:done (completed)", "progress:a5"], writer.Lines);
    }

    [Fact]
    public void Transcript_lines_become_verbose_lines_with_their_prefix()
    {
        using var channel = new PipelineChannel();
        channel.Transcript("[one] ").Write(new OutlookOAuth.Mail.TranscriptEntry(DateTimeOffset.UtcNow, "host:25", OutlookOAuth.Mail.TranscriptDirection.Server, "220 ready"));
        var writer = new RecordingWriter();
        channel.Drain(writer);
        Assert.Equal(["verbose:[one] host:25 S: 220 ready"], writer.Lines);
    }

    [Fact]
    public async Task A_sign_in_notifies_and_asks_through_the_channel_on_the_draining_thread()
    {
        using var channel = new PipelineChannel();
        var ui = new PipelineSignInInteraction(channel);
        var work = Task.Run(async () =>
        {
            ui.Notify(new SignInMessage(SignInMessageKind.DeviceCode, "enter ABC", "https://x/devicelogin", "ABC"));
            var pasted = await ui.ReadRedirectAsync("Redirected URL", default);
            ui.Notify(new SignInMessage(SignInMessageKind.BrowserOpened, "done " + pasted));
            return pasted;
        });
        var writer = new RecordingWriter { Answer = _ => "https://odoo.example.com/cb?code=1" };
        channel.Drain(writer, work);
        Assert.StartsWith("information:SignInMessage {", writer.Lines[0]); // the message object itself (URL, user code)
        Assert.EndsWith("|SignIn,DeviceCode", writer.Lines[0]);
        Assert.Equal(["warning:enter ABC", "ask:Redirected URL",
            "information:done https://odoo.example.com/cb?code=1|SignIn,BrowserOpened", "verbose:done https://odoo.example.com/cb?code=1"], writer.Lines.Skip(1));
        Assert.Equal([Environment.CurrentManagedThreadId], writer.Threads);
        Assert.Equal("https://odoo.example.com/cb?code=1", await work);
    }

    [Fact]
    public void A_sign_in_question_nobody_can_answer_is_NoInteractiveHost()
    {
        using var channel = new PipelineChannel();
        var work = Task.Run(() => new PipelineSignInInteraction(channel).ReadRedirectAsync("Redirected URL", default));
        channel.Drain(new RecordingWriter(), work);
        Assert.Equal("NoInteractiveHost", Assert.Throws<OAuthException>(() => work.GetAwaiter().GetResult()).ErrorId);
    }

    [Fact]
    public void A_question_the_asker_gave_up_on_is_not_asked()
    {
        using var channel = new PipelineChannel();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var work = channel.AskAsync(new PipelinePrompt("c", "m", "F", "L"), cts.Token);
        var writer = new RecordingWriter { Answer = _ => "x" };
        channel.Drain(writer);
        Assert.True(work.IsCanceled);
        Assert.Empty(writer.Lines);
    }
}
