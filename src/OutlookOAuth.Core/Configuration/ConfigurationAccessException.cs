namespace OutlookOAuth.Configuration;

/// <summary>The configuration file (or its folder, or its lock file) cannot be read or written for a reason other than
/// another process's lock: it does not exist, is a folder, is read-only, or the system refused (permissions, a
/// file system such as /proc that takes no files). Names the path and the cause; raised at once, never after a wait.</summary>
public sealed class ConfigurationAccessException : OutlookOAuthException
{
    /// <param name="errorId">ConfigurationFileNotFound, ConfigurationPathIsFolder, ConfigurationAccessDenied,
    /// ConfigurationReadOnly, ConfigurationReadFailed or ConfigurationWriteFailed.</param>
    public ConfigurationAccessException(string errorId, string filePath, string message, string? hint = null, Exception? inner = null)
        : base(errorId, KindOf(errorId), message, hint, inner) => Target = FilePath = filePath;

    public string FilePath { get; }

    static FailureKind KindOf(string errorId) => errorId switch
    {
        "ConfigurationFileNotFound" => FailureKind.NotFound,
        "ConfigurationPathIsFolder" => FailureKind.InvalidArgument,
        "ConfigurationAccessDenied" or "ConfigurationReadOnly" => FailureKind.PermissionDenied,
        "ConfigurationReadFailed" => FailureKind.Read,
        _ => FailureKind.Write,
    };

    internal static ConfigurationAccessException NotFound(string path) =>
        new("ConfigurationFileNotFound", path, $"The configuration file '{path}' does not exist.",
            "Check the path, or create the file with New-OutlookMailServer, Set-MailSystemParameter or Set-OutlookApplication.");

    internal static ConfigurationAccessException Folder(string path) =>
        new("ConfigurationPathIsFolder", path, $"The configuration path '{path}' is a folder, not a file.",
            $"Give the path of a file, e.g. '{System.IO.Path.Combine(path, "config.yaml")}'.");

    internal static ConfigurationAccessException ReadOnly(string path) =>
        new("ConfigurationReadOnly", path, $"The configuration file '{path}' is read-only; it was not changed.",
            "Make the file writable (chmod u+w, or clear the ReadOnly attribute) if it should be changed, or use another -ConfigPath.");

    /// <summary>Maps a system I/O failure on <paramref name="path"/> (what: "read", "write", "create the lock file of").</summary>
    internal static ConfigurationAccessException From(Exception e, string path, string what, bool write) => e switch
    {
        UnauthorizedAccessException => new("ConfigurationAccessDenied", path, $"Cannot {what} '{path}': access denied ({e.Message}).",
            write ? "Check the permissions of the file and its folder, or use a -ConfigPath you can write." : "Check the permissions of the file, or use a -ConfigPath you can read.", e),
        _ => new(write ? "ConfigurationWriteFailed" : "ConfigurationReadFailed", path, $"Cannot {what} '{path}': {e.Message}",
            "Use a -ConfigPath on a local, writable file system.", e),
    };
}
