namespace OutlookOAuth.Configuration;

/// <summary>What <see cref="ConfigurationBatch.Save"/> did with change number <see cref="Index"/> (in the order
/// recorded): <see cref="Server"/> as saved (null for a system parameter), or <see cref="Error"/>, the reason it no
/// longer applied to the file as it was at save time. <see cref="Source"/> is the pipeline row it came from.</summary>
public sealed record BatchOutcome(int Index, object? Source, MailServer? Server, ConfigurationValidationException? Error);
