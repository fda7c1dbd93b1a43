using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Completion;

/// <summary>What the completers share: the configuration file of the command line being completed (-ConfigPath when it
/// is typed, else the default), read fresh on each Tab, and the quoting of a completion. A completer never fails: a
/// file that cannot be read completes nothing.</summary>
internal static class CompletionSource
{
    public static OutlookConfiguration? Load(IDictionary fakeBoundParameters)
    {
        try
        {
            string? path = null;
            if (fakeBoundParameters.Contains("ConfigPath") && fakeBoundParameters["ConfigPath"] is { } given)
                path = ResolveAgainstLocation(LanguagePrimitives.ConvertTo<string>(given));
            var resolved = ConfigurationPaths.Resolve(path);
            return File.Exists(resolved) ? new ConfigurationContext(resolved).Load() : null;
        }
        catch (Exception e) when (e is OutlookOAuthException or IOException or UnauthorizedAccessException or ArgumentException or PSInvalidCastException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>A relative -ConfigPath is relative to the PowerShell location (as when the command runs), not the process's.</summary>
    static string ResolveAgainstLocation(string path)
    {
        if (Path.IsPathRooted(path)) return path;
        try
        {
            // Completion runs on the pipeline thread of the session: ask it for its location.
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem").Invoke<PathInfo>().FirstOrDefault()?.ProviderPath;
            if (!string.IsNullOrEmpty(location)) return Path.Combine(location, path);
        }
        catch (Exception e) when (e is PSInvalidOperationException or InvalidOperationException or NotSupportedException or RuntimeException) { }
        return Path.GetFullPath(path);
    }

    /// <summary>The word typed so far, without its opening quote.</summary>
    public static WildcardPattern Prefix(string? wordToComplete)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        return WildcardPattern.Get(WildcardPattern.Escape(word) + "*", WildcardOptions.IgnoreCase);
    }

    /// <summary>The completion text: bare when PowerShell reads it as one word, else single-quoted.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value[0] is not ('@' or '-' or '$' or '#' or '\'' or '"') && value.All(c => char.IsLetterOrDigit(c) || c is '.' or '@' or '_' or '-' or '+')
            ? value
            : "'" + value.Replace("'", "''") + "'";
}
