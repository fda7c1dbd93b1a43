namespace OutlookOAuth.Configuration;

/// <summary>The configuration file cannot be read: malformed YAML, a wrong type or an unknown key.
/// Names the file, line and column (1-based).</summary>
public sealed class ConfigurationFileException : Exception
{
    public ConfigurationFileException(string filePath, long line, long column, string reason, Exception? inner = null)
        : base($"{filePath}:{line}:{column}: {reason}", inner)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public string ErrorId => "ConfigurationFileInvalid";
    public string FilePath { get; }
    public long Line { get; }
    public long Column { get; }
    public string Reason { get; }
}

/// <summary>A value breaks a rule (for example an Outlook outgoing server without STARTTLS).</summary>
public sealed class ConfigurationValidationException : Exception
{
    public ConfigurationValidationException(string errorId, string field, string message, string? hint = null) : base(message)
    {
        ErrorId = errorId;
        Field = field;
        Hint = hint;
    }

    /// <summary>A stable id, e.g. OutlookRequiresStartTls, DuplicateServerName, InvalidFromFilter.</summary>
    public string ErrorId { get; }
    /// <summary>The field concerned, e.g. FromFilter, Port, mail.catchall.domain.</summary>
    public string Field { get; }
    /// <summary>What to do about it (the error record's RecommendedAction), when known.</summary>
    public string? Hint { get; init; }
}

/// <summary>Another process held the configuration lock for too long.</summary>
public sealed class ConfigurationLockException : Exception
{
    public ConfigurationLockException(string filePath, TimeSpan waited, string? holder = null)
        : base($"The configuration '{filePath}' is locked by {holder ?? "another process"}; waited {waited.TotalSeconds:0} s.")
    {
        FilePath = filePath;
        Holder = holder;
    }

    public string FilePath { get; }
    /// <summary>Who held the lock ("process 1234 (pwsh)"), when known.</summary>
    public string? Holder { get; }
}
