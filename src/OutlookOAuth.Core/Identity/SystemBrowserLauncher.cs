using System.ComponentModel;
using System.Diagnostics;

namespace OutlookOAuth.Identity;

/// <summary>The system browser: <c>$env:BROWSER</c> when set (the Unix convention: a command, or a
/// colon-separated list tried in order, with <c>%s</c> standing for the URL), else the platform's
/// opener (<c>xdg-open</c>, <c>open</c>, the Windows shell).</summary>
public sealed class SystemBrowserLauncher : IBrowserLauncher
{
    public const string BrowserVariable = "BROWSER";
    readonly Func<string, string?> _getEnvironment;

    public SystemBrowserLauncher(Func<string, string?>? getEnvironment = null) =>
        _getEnvironment = getEnvironment ?? Environment.GetEnvironmentVariable;

    public async Task<BrowserLaunch> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        foreach (var (file, args, how) in Candidates(url.AbsoluteUri))
        {
            try
            {
                var psi = new ProcessStartInfo(file) { UseShellExecute = how == "shell", RedirectStandardOutput = how != "shell", RedirectStandardError = how != "shell" };
                foreach (var a in args) psi.ArgumentList.Add(a);
                using var process = Process.Start(psi);
                if (process is null) { reasons.Add($"{how}: did not start"); continue; }
                if (how == "shell") return new BrowserLaunch(true, how);
                // Openers such as xdg-open return quickly; a non-zero exit means no browser could start.
                // A browser started directly keeps running: give it a moment, then consider it started.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                    if (process.ExitCode == 0) return new BrowserLaunch(true, how);
                    reasons.Add($"{how} exited with code {process.ExitCode}");
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return new BrowserLaunch(true, how);
                }
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
            {
                reasons.Add($"{how}: {e.Message}");
            }
        }
        return new BrowserLaunch(false, "none", reasons.Count == 0 ? "no browser is configured" : string.Join("; ", reasons));
    }

    IEnumerable<(string File, string[] Args, string How)> Candidates(string url)
    {
        var browser = _getEnvironment(BrowserVariable);
        if (!string.IsNullOrWhiteSpace(browser))
        {
            foreach (var entry in browser.Split(OperatingSystem.IsWindows() ? ';' : ':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = SplitCommand(entry);
                if (parts.Count == 0) continue;
                var args = parts.Skip(1).Select(p => p.Replace("%s", url)).ToList();
                if (!entry.Contains("%s")) args.Add(url);
                yield return (parts[0], args.ToArray(), $"$BROWSER ({parts[0]})");
            }
            yield break;
        }
        if (OperatingSystem.IsWindows()) yield return (url, Array.Empty<string>(), "shell");
        else if (OperatingSystem.IsMacOS()) yield return ("open", new[] { url }, "open");
        else
        {
            yield return ("xdg-open", new[] { url }, "xdg-open");
            yield return ("sensible-browser", new[] { url }, "sensible-browser");
        }
    }

    static List<string> SplitCommand(string command)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        foreach (var ch in command)
        {
            if (quote is null && ch is '"' or '\'') quote = ch;
            else if (quote == ch) quote = null;
            else if (quote is null && char.IsWhiteSpace(ch)) { if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); } }
            else current.Append(ch);
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts;
    }
}
