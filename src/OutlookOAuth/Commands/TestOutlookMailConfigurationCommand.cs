using System.Management.Automation;
using OutlookOAuth.Selection;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Checks the whole configuration and outputs one finding per problem (rule id, severity, target, message, fix).</para>
/// <para type="description">Rules OOC001.. are documented in docs/configuration-checks.md. When a finding is an Error,
/// the non-terminating error ConfigurationHasErrors is written after all findings, so -ErrorAction Stop fails a runbook.
/// A configuration file that does not exist is the error ConfigurationFileNotFound, not a list of findings. Changes nothing.</para>
/// </summary>
/// <example><code>Test-OutlookMailConfiguration -ErrorAction Stop | Format-Table RuleId, Severity, Target, Message</code></example>
[Cmdlet(VerbsDiagnostic.Test, "OutlookMailConfiguration")]
[OutputType(typeof(ConfigurationFinding))]
public sealed class TestOutlookMailConfigurationCommand : OutlookCmdlet
{
    readonly HashSet<string> _checked = new(StringComparer.Ordinal);
    readonly List<(string Path, int Errors)> _withErrors = new();

    // Runs once per distinct configuration file (records piped in with the same -ConfigPath are not re-checked).
    protected override void ProcessRecord()
    {
        var context = Context;
        if (!_checked.Add(context.Path)) return;
        IReadOnlyList<ConfigurationFinding> findings;
        try
        {
            var configuration = context.LoadExisting();
            // The token store is read only when a password server needs its password checked (OOC018), and only when it
            // exists: the doctor changes nothing, and opening a store creates its folder.
            Func<Configuration.OutgoingMailServer, bool>? hasPassword = null;
            if (configuration.OutgoingServers.Any(o => o.Authentication == Configuration.ServerAuthentication.Password))
            {
                var tokens = context.ExistingTokens;
                hasPassword = o => tokens?.HasSecret(Identity.TokenStore.ServerPasswordName(o)) == true;
            }
            findings = ConfigurationDoctor.Check(configuration, hasPassword);
        }
        catch (OutlookOAuthException e)
        {
            WriteFailure(e, context.Path);
            return;
        }
        var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
        WriteVerbose($"'{context.Path}': {findings.Count} finding(s), {errors} error(s), {findings.Count(f => f.Severity == FindingSeverity.Warning)} warning(s).");
        WriteObject(findings, enumerateCollection: true);
        if (errors > 0) _withErrors.Add((context.Path, errors));
    }

    protected override void EndProcessing()
    {
        foreach (var (path, errors) in _withErrors)
        {
            WriteFailure(ConfigurationDoctor.HasErrors(path, errors), path);
        }
    }
}
