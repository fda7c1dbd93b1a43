using System.Management.Automation;
using System.Management.Automation.Host;
using OutlookOAuth.Configuration;
using OutlookOAuth.Security;

namespace OutlookOAuth.Commands;

/// <summary>Base of every OutlookOAuth cmdlet: the -ConfigPath parameter and error helpers.
/// Rules live in OutlookOAuth.Core; cmdlets only bind, confirm and write.</summary>
public abstract partial class OutlookCmdlet : PSCmdlet
{
    /// <summary>The YAML configuration file. Default: $env:OUTLOOKOAUTH_CONFIG, else the per-user file.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    ConfigurationContexts? _contexts;
    ConfigurationContext? _context;
    string? _contextFor;

    /// <summary>The configuration files this command works with, one <see cref="ConfigurationContext"/> each, kept for the
    /// command (see <see cref="ConfigurationContext"/> why not longer). It is also the token provider the mail cmdlets
    /// hand to the core: each server gets its token through the context of its own ConfigPath.</summary>
    protected ConfigurationContexts Contexts => _contexts ??= new ConfigurationContexts(lockWaiting: WriteWarning);

    /// <summary>The context of the configuration file of -ConfigPath (relative paths resolve against the current
    /// PowerShell location, not the process directory), resolved here and nowhere else.</summary>
    protected ConfigurationContext Context
    {
        get
        {
            // Resolving a PowerShell path costs more than the rest of a CSV row's work: done once per distinct -ConfigPath.
            if (_context is not null && string.Equals(_contextFor, ConfigPath, StringComparison.Ordinal)) return _context;
            var path = ConfigurationPaths.Resolve(ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath));
            var context = Contexts.For(path);
            if (ConfigPath is not null && !CreatesConfiguration)
            {
                try { context.Store.RequireExisting(); }
                catch (OutlookOAuthException e) { ThrowFailure(e, context.Path); }
            }
            _contextFor = ConfigPath;
            return _context = context;
        }
    }

    /// <summary>True for the commands that create the file -ConfigPath names when it is missing (New-OutlookMailServer,
    /// Set-MailSystemParameter, Set-OutlookApplication). For every other command a -ConfigPath naming nothing stops the
    /// command with ConfigurationFileNotFound, naming the path, rather than reading as an empty configuration ("server not
    /// found", or no output at all). The default file (no -ConfigPath) not existing yet just means nothing is configured.</summary>
    protected virtual bool CreatesConfiguration => false;

    /// <summary>The configuration of <see cref="Context"/>, read once per command (per file, when records name several
    /// -ConfigPath). A file that cannot be read stops the command with an error naming the file, line and column; a
    /// -ConfigPath naming nothing was already refused by <see cref="Context"/>.</summary>
    protected OutlookConfiguration LoadConfiguration()
    {
        var context = Context;
        OutlookConfiguration? loaded = null;
        try { loaded = context.Load(); }
        catch (OutlookOAuthException e) { ThrowFailure(e, context.Path); }
        return loaded!;
    }

    /// <summary>The servers whose names match <paramref name="patterns"/> (wildcards, case-insensitive; all when null),
    /// in file order; a plain name that matches nothing is a non-terminating ServerNotFound error.</summary>
    protected IEnumerable<MailServer> MatchServers(OutlookConfiguration config, IEnumerable<string>? patterns, MailServerDirection? direction)
    {
        var servers = config.AllServers.Where(s => direction is null || s.Direction == direction).ToList();
        foreach (var pattern in patterns ?? ["*"])
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matched = servers.Where(s => wildcard.IsMatch(s.Name)).ToList();
            if (matched.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(ToErrorRecord(ServerLookup.NotFound(pattern, direction, Context.Path), pattern));
            foreach (var server in matched) yield return server;
        }
    }

    /// <summary>True when a person can answer a prompt of this session: not <c>pwsh -NonInteractive</c>, not a
    /// console whose input is redirected (a pipe, /dev/null, a scheduler), not a host without a user interface.</summary>
    protected bool PersonPresent => Interaction.PersonPresent(Host);

    /// <summary>Writes a warning that never becomes a prompt nobody can answer. With <c>-Debug</c> or
    /// <c>$WarningPreference = 'Inquire'</c> PowerShell turns a warning into a "Continue?" question, which dies
    /// without console input (NullReferenceException, "NonInteractive mode"); when no person is present the text goes
    /// to the information stream instead (tag Warning), so the command goes on and the text can still be captured.
    /// Hides <see cref="Cmdlet.WriteWarning"/> so every cmdlet of the module gets this behaviour.</summary>
    protected new void WriteWarning(string text)
    {
        if (Interaction.WarningWouldPrompt(this) && !PersonPresent)
        {
            WriteInformation(new InformationRecord("WARNING: " + text, MyInvocation.MyCommand.Name) { Tags = { "Warning", "OutlookOAuth" } });
            return;
        }
        try { base.WriteWarning(text); }
        catch (Exception e) when (e is PSInvalidOperationException or HostException or NullReferenceException)
        {
            WriteInformation(new InformationRecord("WARNING: " + text, MyInvocation.MyCommand.Name) { Tags = { "Warning", "OutlookOAuth" } });
        }
    }

    /// <summary>ShouldProcess that never asks a question nobody can answer: when -Confirm, or a ConfirmImpact at or above
    /// $ConfirmPreference (Remove-OutlookMailServer), would prompt in a session without a person, the command stops
    /// before changing anything with ConfirmationNotPossible and the way to run it unattended, instead of dying in the
    /// host (NullReferenceException, "NonInteractive mode"). Hides <see cref="Cmdlet.ShouldProcess(string, string)"/>.</summary>
    protected new bool ShouldProcess(string target, string action)
    {
        StopIfNobodyCanConfirm(target, action);
        return base.ShouldProcess(target, action);
    }

    /// <summary>The same, telling why it answered false: <see cref="ShouldProcessReason.WhatIf"/> for -WhatIf (the
    /// configuration cmdlets then keep the previewed change in their snapshot, as a real run would).</summary>
    protected bool ShouldProcess(string target, string action, out ShouldProcessReason reason)
    {
        StopIfNobodyCanConfirm(target, action);
        var description = $"Performing the operation \"{action}\" on target \"{target}\".";
        return base.ShouldProcess(description, $"Are you sure you want to perform this action?{Environment.NewLine}{description}", "Confirm", out reason);
    }

    bool? _nobodyCanConfirm;

    void StopIfNobodyCanConfirm(string target, string action)
    {
        // Decided once per command: it reads preference variables and the cmdlet's attribute, which would otherwise be
        // most of the per-row cost of a 10,000-row CSV (bench/BulkCsv.ps1).
        _nobodyCanConfirm ??= Interaction.ConfirmationWouldPrompt(this) && !PersonPresent;
        if (_nobodyCanConfirm.Value) ThrowTerminatingError(ConfirmationNotPossible(MyInvocation.MyCommand.Name, target, action));
    }

    /// <summary>The error of a confirmation nobody can answer: nothing was changed, and how to run it unattended.</summary>
    internal static ErrorRecord ConfirmationNotPossible(string command, string target, string action)
    {
        var text = $"{command} asks for confirmation to {action} ({target}), and nobody can answer in this session; nothing was changed.";
        return new ErrorRecord(new PSInvalidOperationException(text), "ConfirmationNotPossible", ErrorCategory.InvalidOperation, target)
        {
            ErrorDetails = new ErrorDetails(text) { RecommendedAction = "Preview it with -WhatIf, then run it unattended with -Confirm:$false." },
        };
    }

    /// <summary>The certificate trust of mail connections: the system roots plus $env:OUTLOOKOAUTH_CA_FILE; a CA file that
    /// cannot be read stops the command (CaFileInvalid).</summary>
    protected CertificateTrust LoadCertificateTrust()
    {
        try { return CertificateTrust.FromEnvironment(); }
        catch (OutlookOAuthException e)
        {
            ThrowFailure(e, CertificateTrust.CaFileVariable);
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>True when someone reads the Verbose stream (-Verbose, or $VerbosePreference other than SilentlyContinue):
    /// protocol transcripts are formatted and redacted line by line only then.</summary>
    protected bool VerboseRequested =>
        MyInvocation.BoundParameters.TryGetValue("Verbose", out var v) ? ((SwitchParameter)v).IsPresent
            : GetVariableValue("VerbosePreference") is ActionPreference p && p != ActionPreference.SilentlyContinue;

    /// <summary>The parameters given on the command line, as text: the TargetObject of an error when there is no pipeline record.</summary>
    protected string BoundSummary() =>
        string.Join(" ", MyInvocation.BoundParameters.Where(p => p.Key != "InputObject").Select(p => $"-{p.Key} {p.Value}"));

    /// <summary>The one map from the core's failures to PowerShell: the stable ErrorId, the category of its kind, the
    /// core's target (a configuration file, a received message) or else <paramref name="target"/> as TargetObject, and the
    /// hint as RecommendedAction. Exceptions that are not <see cref="OutlookOAuthException"/> are bugs and are not mapped.</summary>
    protected internal static ErrorRecord ToErrorRecord(OutlookOAuthException exception, object? target)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, CategoryOf(exception.Kind), exception.Target ?? target);
        if (exception.Hint is not null) record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.Hint };
        return record;
    }

    /// <summary>Writes the non-terminating error of a core failure of one record (the others go on).</summary>
    protected void WriteFailure(OutlookOAuthException exception, object? target) => WriteError(ToErrorRecord(exception, target));

    /// <summary>Stops the command with the terminating error of a core failure.</summary>
    protected void ThrowFailure(OutlookOAuthException exception, object? target) => ThrowTerminatingError(ToErrorRecord(exception, target));

    static ErrorCategory CategoryOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.NotFound => ErrorCategory.ObjectNotFound,
        FailureKind.Parse => ErrorCategory.ParserError,
        FailureKind.Busy => ErrorCategory.ResourceBusy,
        FailureKind.Authentication => ErrorCategory.AuthenticationError,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.Connection => ErrorCategory.ConnectionError,
        FailureKind.Timeout => ErrorCategory.OperationTimeout,
        FailureKind.Security => ErrorCategory.SecurityError,
        FailureKind.Protocol => ErrorCategory.ProtocolError,
        FailureKind.NotSupported => ErrorCategory.NotImplemented,
        FailureKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        FailureKind.Read => ErrorCategory.ReadError,
        FailureKind.Write => ErrorCategory.WriteError,
        _ => ErrorCategory.NotSpecified,
    };
}
