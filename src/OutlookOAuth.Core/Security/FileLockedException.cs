namespace OutlookOAuth.Security;

/// <summary>Another process held a <see cref="FileLock"/> for too long: ConfigurationLocked (the configuration file) or
/// TokenStoreLocked (a server's tokens). Names what is locked, its file and who held it.</summary>
public sealed class FileLockedException : OutlookOAuthException
{
    /// <param name="errorId">ConfigurationLocked or TokenStoreLocked.</param>
    /// <param name="subject">What is locked, as a sentence's subject: "the configuration '/x/config.yaml'", "the tokens of ...".</param>
    /// <param name="filePath">The file the lock protects (the TargetObject).</param>
    public FileLockedException(string errorId, string subject, string filePath, TimeSpan waited, string? holder = null)
        : base(errorId, FailureKind.Busy, $"{char.ToUpperInvariant(subject[0])}{subject[1..]} is locked by {holder ?? "another process"}; waited {waited.TotalSeconds:0} s.",
            $"Wait for {holder ?? "the other process"} to finish, then run the command again.")
    {
        Target = FilePath = filePath;
        Holder = holder;
    }

    public string FilePath { get; }
    /// <summary>Who held the lock ("process 1234 (pwsh)"), when known.</summary>
    public string? Holder { get; }
}
