namespace OutlookOAuth.Pipeline;

/// <summary>A question for the person at the session: one field, labelled <paramref name="Label"/>.</summary>
public sealed record PipelinePrompt(string Caption, string Message, string Field, string Label);
