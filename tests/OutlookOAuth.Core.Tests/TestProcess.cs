using System.Diagnostics;

namespace OutlookOAuth.Tests;

/// <summary>Runs the OutlookOAuth.TestProcess helper (built beside the tests) as a separate OS process: concurrent
/// configuration writers, a crash in the middle of a save, a token refresh in another process.</summary>
static class TestProcess
{
    /// <summary>Starts the helper without waiting (the caller waits for it to exit).</summary>
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "OutlookOAuth.TestProcess.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        return Process.Start(psi)!;
    }

    public static (int Exit, string Output, string Error) Run(IDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "OutlookOAuth.TestProcess.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("the test process did not finish"); }
        return (p.ExitCode, output, error.Result);
    }
}
