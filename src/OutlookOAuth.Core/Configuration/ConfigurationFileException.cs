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
