using System.Management.Automation;
using System.Management.Automation.Host;

namespace OutlookOAuth.Commands;

/// <summary>Whether a person can answer this session: the module asks nothing (no prompt, no wait for a browser)
/// unless one can.</summary>
internal static class Interaction
{
    static readonly Lazy<bool> NonInteractiveSwitch = new(() => HasNonInteractiveSwitch(Environment.GetCommandLineArgs()));

    /// <summary>False for <c>pwsh -NonInteractive</c>, a console host whose input is redirected, a service session and
    /// a host without a user interface (the SDK's default host).</summary>
    public static bool PersonPresent(PSHost? host)
    {
        if (host?.UI is null || host.Name == "Default Host") return false;
        if (!Environment.UserInteractive) return false;
        if (host.Name == "ConsoleHost")
        {
            if (NonInteractiveSwitch.Value) return false;
            try { if (Console.IsInputRedirected) return false; }
            catch (IOException) { return false; }
        }
        return true;
    }

    /// <summary>True when WriteWarning would ask "Continue?": -Debug, -WarningAction Inquire or $WarningPreference = 'Inquire'.</summary>
    public static bool WarningWouldPrompt(PSCmdlet cmdlet)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        if (bound.TryGetValue("WarningAction", out var action))
            return action is ActionPreference.Inquire || (action?.ToString() == nameof(ActionPreference.Inquire));
        if (bound.TryGetValue("Debug", out var debug) && debug is SwitchParameter { IsPresent: true } or true) return true;
        var preference = cmdlet.SessionState.PSVariable.GetValue("WarningPreference");
        return preference is ActionPreference.Inquire || preference?.ToString() == nameof(ActionPreference.Inquire);
    }

    /// <summary>True when ShouldProcess would ask "Are you sure?": -Confirm, or the cmdlet's ConfirmImpact at or above
    /// $ConfirmPreference; never under -WhatIf / $WhatIfPreference or with -Confirm:$false.</summary>
    public static bool ConfirmationWouldPrompt(PSCmdlet cmdlet)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        if (bound.TryGetValue("WhatIf", out var whatIf) && IsOn(whatIf)) return false;
        if (bound.TryGetValue("Confirm", out var confirm)) return IsOn(confirm);
        if (IsOn(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference"))) return false;
        var impact = cmdlet.GetType().GetCustomAttributes(typeof(CmdletAttribute), false).OfType<CmdletAttribute>().FirstOrDefault()?.ConfirmImpact ?? ConfirmImpact.Medium;
        var preference = cmdlet.SessionState.PSVariable.GetValue("ConfirmPreference") switch
        {
            ConfirmImpact c => c,
            PSObject { BaseObject: ConfirmImpact c } => c,
            string text when Enum.TryParse<ConfirmImpact>(text, true, out var c) => c,
            _ => ConfirmImpact.High,
        };
        return preference != ConfirmImpact.None && impact != ConfirmImpact.None && impact >= preference;
    }

    static bool IsOn(object? value) => value switch
    {
        SwitchParameter s => s.IsPresent,
        bool b => b,
        PSObject p => IsOn(p.BaseObject),
        _ => false,
    };

    /// <summary>pwsh's own rule: -NonInteractive may be shortened down to -noni (also with '/' or '--'), before the
    /// -File / -Command argument that ends pwsh's own switches.</summary>
    internal static bool HasNonInteractiveSwitch(IEnumerable<string> args)
    {
        foreach (var raw in args.Skip(1))
        {
            var a = raw.TrimStart('-', '/').ToLowerInvariant();
            if (raw.Length == a.Length) continue;
            if (a.Length >= 4 && "noninteractive".StartsWith(a, StringComparison.Ordinal)) return true;
            if (a is "c" or "command" or "f" or "file" or "e" or "ec" or "encodedcommand" or "commandwithargs" or "cwa") return false;
        }
        return false;
    }
}
