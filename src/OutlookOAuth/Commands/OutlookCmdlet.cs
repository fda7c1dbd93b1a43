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

    ConfigurationStore? _store;

    /// <summary>The store of the resolved configuration path (relative paths resolve against the current
    /// PowerShell location, not the process directory).</summary>
    protected ConfigurationStore Store
    {
        get
        {
            // Resolving a PowerShell path costs more than the rest of a CSV row's work: done once per distinct -ConfigPath.
            if (_store is not null && string.Equals(_storeFor, ConfigPath, StringComparison.Ordinal)) return _store;
            var path = ConfigurationPaths.Resolve(ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath));
            if (_store is null || _store.Path != path) _store = new ConfigurationStore(path) { LockWaiting = WriteWarning };
            _storeFor = ConfigPath;
            return _store;
        }
    }

    string? _storeFor;

    OutlookConfiguration? _loaded;
    string? _loadedPath;

    /// <summary>The configuration, read once per command (again only if a record names another -ConfigPath). A file that
    /// cannot be read stops the command with an error naming the file, line and column. With
    /// <paramref name="mustExist"/>, a file named by -ConfigPath that does not exist is a ConfigurationFileNotFound error
    /// (the default file not existing yet just means nothing is configured).</summary>
    protected OutlookConfiguration LoadConfiguration(bool mustExist = false)
    {
        var store = Store;
        if (_loaded is null || _loadedPath != store.Path)
        {
            try { _loaded = mustExist && ConfigPath is not null ? store.LoadExisting() : store.Load(); _loadedPath = store.Path; }
            catch (Exception e) when (e is ConfigurationFileException or ConfigurationAccessException or IOException or UnauthorizedAccessException)
            {
                ThrowTerminatingError(ToErrorRecord(e, store.Path));
            }
        }
        return _loaded!;
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
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No {(direction is null ? "" : direction.ToString()!.ToLowerInvariant() + " ")}server named '{pattern}' exists in '{Store.Path}'."),
                    "ServerNotFound", ErrorCategory.ObjectNotFound, pattern)
                {
                    ErrorDetails = new ErrorDetails($"No {(direction is null ? "" : direction.ToString()!.ToLowerInvariant() + " ")}server named '{pattern}' exists in '{Store.Path}'.")
                        { RecommendedAction = ServerLookup.NotFoundHint },
                });
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
        if (_nobodyCanConfirm.Value)
            ThrowTerminatingError(new ErrorRecord(
                new PSInvalidOperationException($"{MyInvocation.MyCommand.Name} asks for confirmation to {action} ({target}), and nobody can answer in this session; nothing was changed."),
                "ConfirmationNotPossible", ErrorCategory.InvalidOperation, target)
            {
                ErrorDetails = new ErrorDetails($"{MyInvocation.MyCommand.Name} asks for confirmation to {action} ({target}), and nobody can answer in this session; nothing was changed.")
                    { RecommendedAction = "Preview it with -WhatIf, then run it unattended with -Confirm:$false." },
            });
    }

    /// <summary>The certificate trust of mail connections: the system roots plus $env:OUTLOOKOAUTH_CA_FILE; a CA file that
    /// cannot be read stops the command (CaFileInvalid).</summary>
    protected CertificateTrust LoadCertificateTrust()
    {
        try { return CertificateTrust.FromEnvironment(); }
        catch (InvalidOperationException e)
        {
            ThrowFailure(e, "CaFileInvalid", ErrorCategory.InvalidArgument, CertificateTrust.CaFileVariable);
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

    /// <summary>Writes a non-terminating error with a stable id and the offending object.</summary>
    protected void WriteFailure(Exception exception, string errorId, ErrorCategory category, object? target) =>
        WriteError(new ErrorRecord(exception, errorId, category, target));

    /// <summary>Stops the command with a terminating error.</summary>
    protected void ThrowFailure(Exception exception, string errorId, ErrorCategory category, object? target) =>
        ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));

    static ErrorCategory MailErrorCategory(Mail.MailProtocolException m) => m.Failure switch
    {
        Mail.MailFailure.Timeout => ErrorCategory.OperationTimeout,
        Mail.MailFailure.HostNotFound or Mail.MailFailure.ConnectionRefused or Mail.MailFailure.NetworkUnreachable or Mail.MailFailure.ConnectionClosed => ErrorCategory.ConnectionError,
        Mail.MailFailure.CertificateNotTrusted or Mail.MailFailure.CertificateNameMismatch or Mail.MailFailure.TlsHandshakeFailed => ErrorCategory.SecurityError,
        Mail.MailFailure.Rejected when m.Stage == Mail.ConnectionTestStage.Authenticate => ErrorCategory.AuthenticationError,
        Mail.MailFailure.Rejected => ErrorCategory.PermissionDenied,
        Mail.MailFailure.NotSupported => ErrorCategory.NotImplemented,
        _ => ErrorCategory.ProtocolError,
    };

    static ErrorCategory SendErrorCategory(Sending.MailSendException e) => e.Failure switch
    {
        Sending.MailSendFailure.InvalidInput => ErrorCategory.InvalidArgument,
        Sending.MailSendFailure.NoServer => ErrorCategory.ObjectNotFound,
        Sending.MailSendFailure.Refused => ErrorCategory.PermissionDenied,
        Sending.MailSendFailure.Authentication => ErrorCategory.AuthenticationError,
        Sending.MailSendFailure.Throttled => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.ConnectionError,
    };

    /// <summary>An error record whose RecommendedAction is the core's hint (when it has one).</summary>
    static ErrorRecord WithHint(ErrorRecord record, string message, string? hint)
    {
        if (hint is not null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = hint };
        return record;
    }

    /// <summary>Maps core exceptions to error records, in this one place: each keeps its stable id, gets a category from
    /// what failed, its file (or the offending object) as TargetObject, and its hint as RecommendedAction.</summary>
    protected ErrorRecord ToErrorRecord(Exception exception, object? target) => exception switch
    {
        Sending.MailSendException s => WithHint(new ErrorRecord(s, s.ErrorId, SendErrorCategory(s), target), s.Message, s.Hint),
        Mail.Receiving.MessageReceiveException r => WithHint(new ErrorRecord(r, r.ErrorId,
            r.ErrorId == "MessageUnreadable" ? ErrorCategory.ParserError : ErrorCategory.WriteError, target ?? r.Partial), r.Message, r.Hint),
        Selection.InvalidMailboxException i => new ErrorRecord(i, i.ErrorId, ErrorCategory.InvalidArgument, target),
        ConfigurationFileException f => new ErrorRecord(f, f.ErrorId, ErrorCategory.ParserError, f.FilePath),
        ConfigurationValidationException v => WithHint(new ErrorRecord(v, v.ErrorId, v.ErrorId == "ServerNotFound" ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData, target), v.Message, v.Hint),
        ConfigurationLockException l => new ErrorRecord(l, "ConfigurationLocked", ErrorCategory.ResourceBusy, l.FilePath)
            { ErrorDetails = new ErrorDetails(l.Message) { RecommendedAction = $"Wait for {l.Holder ?? "the other process"} to finish, then run the command again." } },
        ConfigurationAccessException a => WithHint(new ErrorRecord(a, a.ErrorId, a.ErrorId switch
            {
                "ConfigurationFileNotFound" => ErrorCategory.ObjectNotFound,
                "ConfigurationPathIsFolder" => ErrorCategory.InvalidArgument,
                "ConfigurationAccessDenied" or "ConfigurationReadOnly" => ErrorCategory.PermissionDenied,
                "ConfigurationReadFailed" => ErrorCategory.ReadError,
                _ => ErrorCategory.WriteError,
            }, a.FilePath), a.Message, a.Hint),
        Identity.OAuthException o => WithHint(new ErrorRecord(o, o.ErrorId, ErrorCategory.AuthenticationError, target), o.Message, o.Hint),
        Mail.MailProtocolException m => WithHint(new ErrorRecord(m, m.ErrorId, MailErrorCategory(m), target), m.Message, m.Hint),
        UnauthorizedAccessException => new ErrorRecord(exception, "ConfigurationAccessDenied", ErrorCategory.PermissionDenied, target),
        IOException => new ErrorRecord(exception, "ConfigurationIO", ErrorCategory.WriteError, target),
        _ => new ErrorRecord(exception, "OutlookOAuthError", ErrorCategory.NotSpecified, target),
    };
}
