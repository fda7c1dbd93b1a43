namespace OutlookOAuth.Configuration;

/// <summary>The configuration file cannot be read: malformed YAML, a wrong type or an unknown key.
/// Names the file, line and column (1-based).</summary>
public sealed class ConfigurationFileException : OutlookOAuthException
{
    public ConfigurationFileException(string filePath, long line, long column, string reason, Exception? inner = null)
        : base("ConfigurationFileInvalid", FailureKind.Parse, $"{filePath}:{line}:{column}: {reason}", inner: inner)
    {
        Target = FilePath = filePath;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public string FilePath { get; }
    public long Line { get; }
    public long Column { get; }
    public string Reason { get; }
}

/// <summary>A value breaks a rule (for example an Outlook outgoing server without STARTTLS).</summary>
public sealed class ConfigurationValidationException : OutlookOAuthException
{
    /// <param name="errorId">A stable id, e.g. OutlookRequiresStartTls, DuplicateServerName, InvalidFromFilter, ServerNotFound.</param>
    /// <param name="kind">InvalidData; NotFound when the value names something that does not exist.</param>
    public ConfigurationValidationException(string errorId, string field, string message, string? hint = null, FailureKind kind = FailureKind.InvalidData)
        : base(errorId, kind, message, hint) => Field = field;

    /// <summary>The field concerned, e.g. FromFilter, Port, mail.catchall.domain.</summary>
    public string Field { get; }
}

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
