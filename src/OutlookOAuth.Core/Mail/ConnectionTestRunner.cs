using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>Something the runner reports: a transcript line of a test, or a finished test.</summary>
public sealed record ConnectionTestEvent(MailServer Server, TranscriptEntry? Transcript, ConnectionTestResult? Result);

/// <summary>
/// Tests many servers at once, at most <see cref="ThrottleLimit"/> at a time, and streams transcript lines and results
/// as they happen through <see cref="Events"/>, so that a single consumer (the cmdlet's pipeline thread) writes them.
/// Servers can be added while earlier ones run; <see cref="Complete"/> ends the stream once all have finished.
/// </summary>
public sealed class ConnectionTestRunner : IDisposable
{
    readonly ConnectionTester _tester;
    readonly bool _transcript;
    readonly SemaphoreSlim _slots;
    readonly CancellationTokenSource _cts;
    readonly CancellationToken _token;
    readonly Channel<ConnectionTestEvent> _channel = Channel.CreateUnbounded<ConnectionTestEvent>(new UnboundedChannelOptions { SingleReader = true });
    readonly List<Task> _tasks = new();
    int _added, _finished;
    bool _completed;

    public ConnectionTestRunner(ConnectionTester tester, int throttleLimit, bool transcript = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        _tester = tester;
        _transcript = transcript;
        ThrottleLimit = throttleLimit;
        _slots = new SemaphoreSlim(throttleLimit, throttleLimit);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _token = _cts.Token;
    }

    public int ThrottleLimit { get; }
    public int Added => Volatile.Read(ref _added);
    public int Finished => Volatile.Read(ref _finished);
    public ChannelReader<ConnectionTestEvent> Events => _channel.Reader;

    /// <summary>Queues a server; its test starts as soon as a slot is free.</summary>
    public void Add(MailServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (_completed) throw new InvalidOperationException("The runner has been completed.");
        Interlocked.Increment(ref _added);
        _tasks.Add(Task.Run(() => TestOneAsync(server)));
    }

    /// <summary>No more servers: the event stream ends when the running tests have finished (or were cancelled).</summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        Task.WhenAll(_tasks).ContinueWith(t => _channel.Writer.TryComplete(), TaskScheduler.Default);
    }

    /// <summary>Stops the running tests (their results are not reported).</summary>
    public void Cancel() => _cts.Cancel();

    async Task TestOneAsync(MailServer server)
    {
        var ct = _token;
        try
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { return; }
        try
        {
            var sink = _transcript ? new ChannelSink(_channel.Writer, server) : null;
            var result = await _tester.TestAsync(server, sink, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _finished);
            _channel.Writer.TryWrite(new ConnectionTestEvent(server, null, result));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Tests <paramref name="servers"/> with at most <paramref name="throttleLimit"/> at once and yields the
    /// results in the order they finish.</summary>
    public static async IAsyncEnumerable<ConnectionTestResult> RunAsync(ConnectionTester tester, IEnumerable<MailServer> servers, int throttleLimit,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var runner = new ConnectionTestRunner(tester, throttleLimit, false, cancellationToken);
        foreach (var server in servers) runner.Add(server);
        runner.Complete();
        await foreach (var e in runner.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            if (e.Result is not null) yield return e.Result;
    }

    public void Dispose()
    {
        _cts.Cancel();
        Complete();
        _cts.Dispose();
    }

    sealed class ChannelSink(ChannelWriter<ConnectionTestEvent> writer, MailServer server) : ITranscriptSink
    {
        public void Write(TranscriptEntry entry) => writer.TryWrite(new ConnectionTestEvent(server, entry, null));
    }
}
