namespace OutlookOAuth.Pipeline;

/// <summary>The one thread that may write to the PowerShell pipeline, as <see cref="PipelineChannel.Drain(IPipelineWriter)"/>
/// sees it: the cmdlet base implements it with WriteObject, WriteError, WriteVerbose, ... and the host's prompt, so the core
/// never references PowerShell (as PSReadLine's <c>IConsole</c>).</summary>
public interface IPipelineWriter
{
    /// <summary>Writes an output object; returns only after the rest of a streaming pipeline has processed it. False: it was
    /// taken, but the pipeline wants no more (<c>Select-Object -First</c>). An exception: it was not processed.</summary>
    bool WriteObject(object value);

    /// <summary>Writes a non-terminating error for <paramref name="exception"/> (a core exception) about <paramref name="target"/>.</summary>
    void WriteError(OutlookOAuthException exception, object? target);

    void WriteVerbose(string text);

    void WriteWarning(string text);

    void WriteInformation(object data, IReadOnlyList<string> tags);

    void WriteProgress(PipelineProgress progress);

    /// <summary>Asks the person at the session for one value; false when nobody can answer (no person present, a host
    /// without prompts).</summary>
    bool TryAsk(PipelinePrompt prompt, out string? answer);
}
