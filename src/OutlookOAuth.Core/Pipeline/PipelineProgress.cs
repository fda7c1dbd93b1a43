namespace OutlookOAuth.Pipeline;

/// <summary>How far a long piece of work is (a progress bar of <paramref name="Activity"/>).</summary>
public sealed record PipelineProgress(string Activity, string Status)
{
    /// <summary>0 to 100; -1 when unknown.</summary>
    public int PercentComplete { get; init; } = -1;

    public string? CurrentOperation { get; init; }

    /// <summary>The activity has ended (the bar goes away); always written, never throttled.</summary>
    public bool Completed { get; init; }
}
