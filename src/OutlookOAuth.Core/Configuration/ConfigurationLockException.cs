namespace OutlookOAuth.Configuration;

/// <summary>Another process held the configuration lock for too long.</summary>
public sealed class ConfigurationLockException : OutlookOAuthException
{
    public ConfigurationLockException(string filePath, TimeSpan waited, string? holder = null)
        : base("ConfigurationLocked", FailureKind.Busy, $"The configuration '{filePath}' is locked by {holder ?? "another process"}; waited {waited.TotalSeconds:0} s.",
            $"Wait for {holder ?? "the other process"} to finish, then run the command again.")
    {
        Target = FilePath = filePath;
        Holder = holder;
    }

    public string FilePath { get; }
    /// <summary>Who held the lock ("process 1234 (pwsh)"), when known.</summary>
    public string? Holder { get; }
}
