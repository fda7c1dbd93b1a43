using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Commands;

// The one bridge between background work and the pipeline thread, for every cmdlet of the module: the base owns the
// cancellation (StopProcessing cancels one token, disposal happens once) and one PipelineChannel per command, which the
// work writes to and this thread drains (output, errors, verbose, warning, information, progress, prompts).
public abstract partial class OutlookCmdlet : IDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly object _stopLock = new();
    bool _disposed;
    PipelineChannel? _background;
    ChannelWriter? _writer;
    Exception? _downstreamDone;

    /// <summary>Cancelled when the pipeline stops (Ctrl+C): the token every cmdlet's work gets.</summary>
    protected CancellationToken Cancellation => _stop.Token;

    /// <summary>The command's channel to the pipeline thread: background work writes to it (and passes its
    /// <see cref="PipelineChannel.Token"/> on); <see cref="RunInBackground{T}"/> and <see cref="PumpBackground()"/> write what
    /// it carries.</summary>
    protected PipelineChannel Background => _background ??= new PipelineChannel(_stop.Token);

    ChannelWriter Writer => _writer ??= new ChannelWriter(this);

    protected override void StopProcessing()
    {
        lock (_stopLock)
            if (!_disposed) _stop.Cancel();
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool and writes what it produces through <see cref="Background"/>
    /// on this thread (answering its prompts here) until it ends; then returns its result or throws its exception
    /// (<see cref="OperationCanceledException"/> after Ctrl+C). When a later command threw, that exception is thrown; when
    /// the pipeline took the last object it wants (<c>Select-Object -First</c>), its stop is thrown once the work has ended.</summary>
    protected T RunInBackground<T>(Func<PipelineChannel, CancellationToken, Task<T>> work)
    {
        var channel = Background;
        var task = Task.Run(() => work(channel, channel.Token));
        PumpBackground(task);
        if (!task.IsCompleted) throw new PipelineStoppedException(); // stopped, and the work did not end in time
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Writes what background work produced so far, and returns.</summary>
    protected void PumpBackground()
    {
        if (_background is null) return;
        _background.Drain(Writer);
        ThrowIfDownstreamDone();
    }

    /// <summary>Writes what background work produces until <paramref name="work"/> has ended (or the pipeline stopped).</summary>
    protected void PumpBackground(Task work)
    {
        Background.Drain(Writer, work);
        ThrowIfDownstreamDone();
    }

    /// <summary>Writes progress, at most four records a second per activity (the throttle of <see cref="PipelineChannel"/>);
    /// nothing once the pipeline stopped or takes no more.</summary>
    protected void WriteProgress(PipelineProgress progress)
    {
        if (_stop.IsCancellationRequested || Background.OutputClosed) return;
        Background.Progress(progress);
        PumpBackground();
    }

    /// <summary>Closes the progress bar of <paramref name="activity"/>; a pipeline that already stopped needs none.</summary>
    protected void WriteProgressDone(string activity)
    {
        try { WriteProgress(new PipelineProgress(activity, "Done") { Completed = true }); }
        catch (PipelineStoppedException) { }
    }

    /// <summary>How an output object of background work reaches the pipeline; a cmdlet can shape it (Test-OutlookConnection
    /// -Quiet).</summary>
    protected virtual void WriteBackgroundOutput(object value) => WriteObject(value);

    void ThrowIfDownstreamDone()
    {
        if (_downstreamDone is { } stop) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(stop);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels what still runs and releases the command's resources, once.</summary>
    protected virtual void Dispose(bool disposing)
    {
        lock (_stopLock)
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
        }
        if (!disposing) return;
        _background?.Dispose();
        _stop.Dispose();
    }

    /// <summary>The pipeline thread as <see cref="PipelineChannel"/> sees it.</summary>
    sealed class ChannelWriter(OutlookCmdlet cmdlet) : IPipelineWriter
    {
        public bool WriteObject(object value)
        {
            try
            {
                cmdlet.WriteBackgroundOutput(value);
                return true;
            }
            // Select-Object -First N stops its upstream after it passed the object on: WriteObject then throws
            // PipelineStoppedException while the pipeline itself is not stopping (no Ctrl+C, StopProcessing not called). The
            // object was processed; no more are wanted. But a downstream terminating error (a cmdlet under -ErrorAction Stop
            // or $ErrorActionPreference = 'Stop', Write-Error -ErrorAction Stop, a .NET exception under Stop) reaches this
            // command as the very same PipelineStoppedException: only the pipeline's first terminating error tells them apart.
            catch (PipelineStoppedException e) when (!cmdlet.Stopping && !cmdlet._stop.IsCancellationRequested && DownstreamAskedToStop(cmdlet))
            {
                cmdlet._downstreamDone ??= e;
                return false;
            }
        }

        /// <summary>True when the pipeline's first terminating error is PowerShell's StopUpstreamCommandsException (what
        /// Select-Object -First throws once it has what it wants), i.e. the object was processed. PowerShell offers no public
        /// way to ask, so this reads its PipelineProcessor's private field; if a PowerShell version no longer has it, the
        /// answer is false: the object counts as not processed (a message stays unread and comes again; nothing is lost).</summary>
        static bool DownstreamAskedToStop(Cmdlet cmdlet)
        {
            try
            {
                var runtime = cmdlet.CommandRuntime;
                var processor = runtime?.GetType().GetProperty("PipelineProcessor", Flags)?.GetValue(runtime);
                var first = processor?.GetType().GetField("_firstTerminatingError", Flags)?.GetValue(processor) as System.Runtime.ExceptionServices.ExceptionDispatchInfo;
                return first?.SourceException.GetType().FullName == "System.Management.Automation.StopUpstreamCommandsException";
            }
            catch (Exception e) when (e is System.Reflection.TargetInvocationException or MemberAccessException or InvalidOperationException) { return false; }
        }

        const System.Reflection.BindingFlags Flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;

        public void WriteError(OutlookOAuthException exception, object? target) => cmdlet.WriteFailure(exception, target);

        public void WriteVerbose(string text) => cmdlet.WriteVerbose(text);

        public void WriteWarning(string text) => cmdlet.WriteWarning(text);

        public void WriteInformation(object data, IReadOnlyList<string> tags)
        {
            var record = new InformationRecord(data, "OutlookOAuth");
            foreach (var tag in tags) record.Tags.Add(tag);
            cmdlet.WriteInformation(record);
        }

        public void WriteProgress(PipelineProgress progress) =>
            cmdlet.WriteProgress(new ProgressRecord(1, progress.Activity, progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                CurrentOperation = progress.CurrentOperation,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            });

        public bool TryAsk(PipelinePrompt prompt, out string? answer)
        {
            answer = null;
            if (!cmdlet.PersonPresent) return false;
            var fields = new Collection<FieldDescription> { new(prompt.Field) { Label = prompt.Label } };
            Dictionary<string, PSObject> answers;
            try { answers = cmdlet.Host.UI.Prompt(prompt.Caption, prompt.Message, fields); }
            catch (Exception e) when (e is HostException or PSInvalidOperationException or NotImplementedException) { return false; }
            answer = answers.TryGetValue(prompt.Field, out var value) ? value?.BaseObject?.ToString() : null;
            return true;
        }
    }
}
