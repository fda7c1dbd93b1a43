using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Tests.Pipeline;

/// <summary>A pipeline thread for tests: records every write as "kind:text" with the thread it happened on.</summary>
public sealed class RecordingWriter : IPipelineWriter
{
    readonly object _gate = new();
    readonly List<string> _lines = new();

    public Func<object, bool>? OnObject { get; init; }
    public Func<PipelinePrompt, string?>? Answer { get; init; }
    public HashSet<int> Threads { get; } = new();
    public List<object> Objects { get; } = new();
    public List<PipelineProgress> Progress { get; } = new();

    public IReadOnlyList<string> Lines { get { lock (_gate) return _lines.ToArray(); } }

    void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            Threads.Add(Environment.CurrentManagedThreadId);
        }
    }

    public bool WriteObject(object value)
    {
        Add("output:" + value);
        lock (_gate) Objects.Add(value);
        return OnObject?.Invoke(value) ?? true;
    }

    public void WriteError(OutlookOAuthException exception, object? target) => Add("error:" + exception.Message);
    public void WriteVerbose(string text) => Add("verbose:" + text);
    public void WriteWarning(string text) => Add("warning:" + text);
    public void WriteInformation(object data, IReadOnlyList<string> tags) => Add($"information:{data}|{string.Join(",", tags)}");

    public void WriteProgress(PipelineProgress progress)
    {
        Add($"progress:{progress.Status}{(progress.Completed ? " (completed)" : "")}");
        lock (_gate) Progress.Add(progress);
    }

    public bool TryAsk(PipelinePrompt prompt, out string? answer)
    {
        Add("ask:" + prompt.Label);
        answer = null;
        if (Answer is null) return false;
        answer = Answer(prompt);
        return true;
    }
}
