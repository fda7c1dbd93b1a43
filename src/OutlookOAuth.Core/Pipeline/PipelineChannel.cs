using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using OutlookOAuth.Mail;

namespace OutlookOAuth.Pipeline;

/// <summary>
/// The one bridge between background work and the thread that may write to PowerShell. Work on any thread writes output,
/// errors, verbose, warning, information and progress, and asks questions; the pipeline thread writes them, in the order
/// they were written, with <see cref="Drain(IPipelineWriter, Task)"/> (throttling progress, in this one place) and answers
/// the questions there. <see cref="Token"/> is cancelled when the pipeline stops or can take no more output, so the work
/// ends promptly. The cmdlet base owns one per command.
/// </summary>
/// <remarks>Why a channel and not <c>Task.Wait</c> on the pipeline thread: PowerShell allows writes only from the pipeline
/// thread, and a sign-in asks its question there, so the thread must keep serving the work while waiting for it. A
/// <see cref="DeliverAsync"/> waits until the object was processed downstream: Receive-OutlookMail flags a message read
/// only then.</remarks>
public sealed class PipelineChannel : IDisposable
{
    /// <summary>At most four progress records a second per activity: rendering one per message costs more than the message.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long <see cref="Drain(IPipelineWriter, Task)"/> waits, once the pipeline stopped or a write failed, for the
    /// work to end (flagging what was taken, closing connections).</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    readonly Channel<Item> _items = Channel.CreateUnbounded<Item>();
    readonly CancellationToken _stop;
    readonly CancellationTokenSource _cts;
    readonly CancellationToken _token;
    readonly TimeProvider _clock;
    readonly Dictionary<string, long> _progressAt = new(StringComparer.Ordinal);
    readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenRegistration _onStop;
    ExceptionDispatchInfo? _failure;
    bool _outputClosed;
    Task<bool>? _readable;
    bool _disposed;

    /// <param name="stop">The pipeline's stop (Ctrl+C, StopProcessing).</param>
    /// <param name="clock">For the progress throttle; the system clock by default.</param>
    public PipelineChannel(CancellationToken stop = default, TimeProvider? clock = null)
    {
        _stop = stop;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _token = _cts.Token; // still readable (cancelled) by work that outlives the command
        _clock = clock ?? TimeProvider.System;
        _onStop = stop.Register(() => _stopped.TrySetResult());
    }

    /// <summary>Cancelled when the pipeline stops, or can take no more output (a later command threw, or
    /// <c>Select-Object -First</c> has what it wanted). Background work passes it on.</summary>
    public CancellationToken Token => _token;

    /// <summary>True once the pipeline took the last object it wants or a write failed: nothing more is written.</summary>
    public bool OutputClosed => _outputClosed || _failure is not null;

    // ---- the work's side (any thread) ----

    /// <summary>An output object; written when the pipeline thread drains.</summary>
    public void Output(object value) => Post(new Item(Kind.Output) { Value = value });

    /// <summary>An output object whose processing the work waits for: the task completes once the rest of the pipeline
    /// processed it (true: more are wanted; false: it was taken and no more are wanted), faults with what a later command
    /// threw, and is cancelled when the pipeline stops first.</summary>
    public Task<bool> DeliverAsync(object value)
    {
        var item = new Item(Kind.Deliver) { Value = value, Delivered = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        item.Watch(Token);
        Post(item);
        return item.Delivered.Task;
    }

    /// <summary>A non-terminating error (a core exception) about <paramref name="target"/>.</summary>
    public void Error(OutlookOAuthException exception, object? target) => Post(new Item(Kind.Error) { Exception = exception, Value = target });

    public void Verbose(string text) => Post(new Item(Kind.Verbose) { Text = text });

    public void Warning(string text) => Post(new Item(Kind.Warning) { Text = text });

    public void Information(object data, params string[] tags) => Post(new Item(Kind.Information) { Value = data, Tags = tags });

    /// <summary>Progress; dropped when the same activity was written less than <see cref="ProgressInterval"/> ago (the
    /// first and the completed record of an activity always go through).</summary>
    public void Progress(PipelineProgress progress) => Post(new Item(Kind.Progress) { Progress = progress });

    /// <summary>Asks the person at the session, on the pipeline thread. Answered is false when nobody can answer; the
    /// task is cancelled when the pipeline stops or <paramref name="cancellationToken"/> is.</summary>
    public Task<(bool Answered, string? Answer)> AskAsync(PipelinePrompt prompt, CancellationToken cancellationToken = default)
    {
        var item = new Item(Kind.Ask) { Prompt = prompt, Answer = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        item.Watch(Token);
        item.Watch(cancellationToken);
        Post(item);
        return item.Answer.Task;
    }

    /// <summary>A transcript sink whose lines become verbose lines (with <paramref name="prefix"/>, e.g. "[server] ").</summary>
    public ITranscriptSink Transcript(string? prefix = null) => new VerboseTranscript(this, prefix);

    void Post(Item item)
    {
        if (!_items.Writer.TryWrite(item)) item.Cancel();
    }

    // ---- the pipeline thread's side ----

    /// <summary>Writes what was produced so far and returns; rethrows a write's failure.</summary>
    public void Drain(IPipelineWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteQueued(writer);
        _failure?.Throw();
    }

    /// <summary>Writes what is produced, on the calling thread, until <paramref name="work"/> has ended and all it produced
    /// was written. When the pipeline stops, nothing more is written, questions and deliveries are cancelled, and the work
    /// gets <see cref="StopGrace"/> to end. When a write throws, nothing more is written, the work is told (its delivery
    /// fails, else <see cref="Token"/> is cancelled) and given as long to end, and the exception is rethrown. The caller
    /// then reads the work's own outcome.</summary>
    public void Drain(IPipelineWriter writer, Task work)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(work);
        while (true)
        {
            WriteQueued(writer);
            if (work.IsCompleted)
            {
                WriteQueued(writer); // what the work wrote just before it ended
                break;
            }
            if (_stop.IsCancellationRequested || _failure is not null)
            {
                Task.WaitAny([work], StopGrace);
                WriteQueued(writer); // cancels what is left
                break;
            }
            _readable ??= _items.Reader.WaitToReadAsync().AsTask();
            Task.WaitAny(_readable, work, _stopped.Task);
            if (_readable.IsCompleted) _readable = null;
        }
        _failure?.Throw();
    }

    void WriteQueued(IPipelineWriter writer)
    {
        while (_items.Reader.TryRead(out var item)) Write(writer, item);
    }

    void Write(IPipelineWriter writer, Item item)
    {
        if (_stop.IsCancellationRequested || _failure is not null)
        {
            item.Cancel();
            return;
        }
        try
        {
            switch (item.Kind)
            {
                case Kind.Output:
                    if (_outputClosed) return;
                    if (!writer.WriteObject(item.Value!))
                    {
                        _outputClosed = true;
                        _cts.Cancel();
                    }
                    break;
                case Kind.Deliver:
                    if (_outputClosed) { item.Cancel(); return; }
                    var more = writer.WriteObject(item.Value!);
                    if (!more) _outputClosed = true;
                    item.Delivered!.TrySetResult(more);
                    break;
                case Kind.Error: writer.WriteError(item.Exception!, item.Value); break;
                case Kind.Verbose: writer.WriteVerbose(item.Text!); break;
                case Kind.Warning: writer.WriteWarning(item.Text!); break;
                case Kind.Information: writer.WriteInformation(item.Value!, item.Tags!); break;
                case Kind.Progress: if (Due(item.Progress!)) writer.WriteProgress(item.Progress!); break;
                case Kind.Ask: Ask(writer, item); break;
            }
        }
        catch (Exception e)
        {
            // The pipeline cannot take more (a later command threw, the pipeline is stopping): the work learns it from its
            // delivery, or from the token, and the exception is rethrown once the work has ended.
            _failure = ExceptionDispatchInfo.Capture(e);
            if (item.Delivered is { } delivered) delivered.TrySetException(e);
            else _cts.Cancel();
        }
        finally
        {
            item.Unwatch();
        }
    }

    static void Ask(IPipelineWriter writer, Item item)
    {
        if (item.Answer!.Task.IsCompleted) return; // the asker gave up meanwhile
        bool answered;
        string? answer;
        try { answered = writer.TryAsk(item.Prompt!, out answer); }
        catch (Exception e)
        {
            // The host's prompt failed (Ctrl+C while it waited): the asker decides what that means.
            item.Answer!.TrySetException(e);
            return;
        }
        item.Answer!.TrySetResult((answered, answer));
    }

    bool Due(PipelineProgress progress)
    {
        if (progress.Completed)
        {
            _progressAt.Remove(progress.Activity);
            return true;
        }
        var now = _clock.GetTimestamp();
        if (_progressAt.TryGetValue(progress.Activity, out var at) && _clock.GetElapsedTime(at, now) < ProgressInterval) return false;
        _progressAt[progress.Activity] = now;
        return true;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _onStop.Dispose();
        _cts.Cancel();
        _items.Writer.TryComplete();
        while (_items.Reader.TryRead(out var item)) item.Cancel();
        _cts.Dispose();
    }

    enum Kind { Output, Deliver, Error, Verbose, Warning, Information, Progress, Ask }

    sealed class Item(Kind kind)
    {
        readonly List<CancellationTokenRegistration> _watches = new(2);
        public Kind Kind { get; } = kind;
        public object? Value { get; init; }
        public string? Text { get; init; }
        public IReadOnlyList<string>? Tags { get; init; }
        public OutlookOAuthException? Exception { get; init; }
        public PipelineProgress? Progress { get; init; }
        public PipelinePrompt? Prompt { get; init; }
        public TaskCompletionSource<bool>? Delivered { get; init; }
        public TaskCompletionSource<(bool, string?)>? Answer { get; init; }

        public void Watch(CancellationToken token)
        {
            if (!token.CanBeCanceled) return;
            var registration = token.Register(static (state, t) => ((Item)state!).Cancel(t), this);
            lock (_watches) _watches.Add(registration);
        }

        public void Unwatch()
        {
            lock (_watches)
            {
                foreach (var w in _watches) w.Dispose();
                _watches.Clear();
            }
        }

        public void Cancel(CancellationToken token = default)
        {
            Delivered?.TrySetCanceled(token);
            Answer?.TrySetCanceled(token);
        }
    }

    sealed class VerboseTranscript(PipelineChannel channel, string? prefix) : ITranscriptSink
    {
        public void Write(TranscriptEntry entry) => channel.Verbose(prefix + entry);
    }
}
