using OutlookOAuth.Configuration;
using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Mail;

/// <summary>
/// Tests many servers at once, at most <see cref="ThrottleLimit"/> at a time, and writes each finished test (a
/// <see cref="ConnectionTestOutcome"/>), its transcript lines (verbose, "[server] ...") and the progress to a
/// <see cref="PipelineChannel"/> as they happen, so that the pipeline thread writes them in the order they finished.
/// Servers can be added while earlier ones run; <see cref="Complete"/> returns the task of all of them.
/// The tests stop when the channel's token is cancelled (Ctrl+C, or a pipeline that wants no more).
/// </summary>
public sealed class ConnectionTestRunner : IDisposable
{
    /// <summary>The progress activity.</summary>
    public const string Activity = "Testing mail server connections";

    readonly ConnectionTester _tester;
    readonly PipelineChannel _output;
    readonly bool _transcript;
    readonly SemaphoreSlim _slots;
    readonly CancellationTokenSource _cts;
    readonly CancellationToken _token;
    readonly List<Task> _tasks = new();
    int _added, _finished;
    Task? _completion;

    public ConnectionTestRunner(ConnectionTester tester, int throttleLimit, PipelineChannel output, bool transcript = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        ArgumentNullException.ThrowIfNull(output);
        _tester = tester;
        _output = output;
        _transcript = transcript;
        ThrottleLimit = throttleLimit;
        _slots = new SemaphoreSlim(throttleLimit, throttleLimit);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(output.Token);
        _token = _cts.Token;
    }

    public int ThrottleLimit { get; }
    public int Added => Volatile.Read(ref _added);
    public int Finished => Volatile.Read(ref _finished);

    /// <summary>Queues a server; its test starts as soon as a slot is free.</summary>
    public void Add(MailServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (_completion is not null) throw new InvalidOperationException("The runner has been completed.");
        Interlocked.Increment(ref _added);
        _tasks.Add(Task.Run(() => TestOneAsync(server)));
    }

    /// <summary>No more servers: the task ends when the running tests have finished (or were cancelled).</summary>
    public Task Complete() => _completion ??= Task.WhenAll(_tasks);

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
            var transcript = _transcript ? _output.Transcript($"[{server.Name}] ") : null;
            var result = await _tester.TestAsync(server, transcript, ct).ConfigureAwait(false);
            var finished = Interlocked.Increment(ref _finished);
            _output.Output(new ConnectionTestOutcome(server, result));
            var added = Added;
            _output.Progress(new PipelineProgress(Activity, $"{finished} of {added} servers tested")
                { PercentComplete = Math.Min(100, 100 * finished / Math.Max(1, added)), CurrentOperation = result.ToString() });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Tests <paramref name="servers"/> with at most <paramref name="throttleLimit"/> at once; the results in the
    /// order they finished.</summary>
    public static async Task<IReadOnlyList<ConnectionTestResult>> RunAsync(ConnectionTester tester, IEnumerable<MailServer> servers, int throttleLimit,
        CancellationToken cancellationToken = default)
    {
        using var channel = new PipelineChannel(cancellationToken);
        using var runner = new ConnectionTestRunner(tester, throttleLimit, channel);
        foreach (var server in servers) runner.Add(server);
        var all = runner.Complete();
        var results = new Results();
        await Task.Run(() => channel.Drain(results, all), CancellationToken.None).ConfigureAwait(false);
        await all.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return results.List;
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }

    /// <summary>Collects the results of <see cref="RunAsync"/>; the rest is dropped.</summary>
    sealed class Results : IPipelineWriter
    {
        public List<ConnectionTestResult> List { get; } = new();
        public bool WriteObject(object value) { List.Add(((ConnectionTestOutcome)value).Result); return true; }
        public void WriteError(OutlookOAuthException exception, object? target) { }
        public void WriteVerbose(string text) { }
        public void WriteWarning(string text) { }
        public void WriteInformation(object data, IReadOnlyList<string> tags) { }
        public void WriteProgress(PipelineProgress progress) { }
        public bool TryAsk(PipelinePrompt prompt, out string? answer) { answer = null; return false; }
    }
}
