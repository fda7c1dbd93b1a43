namespace OutlookOAuth.Configuration;

/// <summary>Where the configuration file is: -ConfigPath, else $env:OUTLOOKOAUTH_CONFIG, else the per-user default.</summary>
public static class ConfigurationPaths
{
    public const string ConfigVariable = "OUTLOOKOAUTH_CONFIG";
    public const string FileName = "config.yaml";

    public static string Resolve(string? explicitPath, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitPath)) return Path.GetFullPath(explicitPath);
        var fromEnv = getEnvironment(ConfigVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return Path.GetFullPath(fromEnv);
        return DefaultPath(getEnvironment, OperatingSystem.IsWindows());
    }

    /// <summary>%APPDATA%\OutlookOAuth\config.yaml on Windows; $XDG_CONFIG_HOME/OutlookOAuth/config.yaml
    /// or ~/.config/OutlookOAuth/config.yaml elsewhere.</summary>
    public static string DefaultPath(Func<string, string?> getEnvironment, bool windows)
    {
        string baseDir;
        if (windows)
            baseDir = getEnvironment("APPDATA") is { Length: > 0 } appData
                ? appData : Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
        else
            baseDir = getEnvironment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg : Path.Combine(getEnvironment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(baseDir, "OutlookOAuth", FileName);
    }
}
