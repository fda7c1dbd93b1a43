using System.Management.Automation;
using OutlookOAuth.Graph;
using OutlookOAuth.Selection;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Reads the tenant through Microsoft Graph and outputs one finding per problem of the application,
/// its permissions, consent, assignments, secret and security defaults, each with its fix.</para>
/// <para type="description">Rules OOT001.. (docs/configuration-checks.md, "Tenant checks"). What only Exchange Online
/// PowerShell can see is one Info finding listing the commands to run. Changes nothing; when a finding is an Error, the
/// non-terminating error TenantHasErrors follows the findings.</para>
/// </summary>
/// <example><code>Test-OutlookTenant | Format-Table RuleId, Severity, Target, Message</code></example>
[Cmdlet(VerbsDiagnostic.Test, "OutlookTenant")]
[OutputType(typeof(ConfigurationFinding))]
public sealed class TestOutlookTenantCommand : GraphCmdlet
{
    /// <summary>Also check the app-only roles (SMTP.SendAsApp, IMAP.AccessAsApp) even if the application asks for none.</summary>
    [Parameter] public SwitchParameter AppOnly { get; set; }
    /// <summary>Warn when the secret expires within this many days (default 30).</summary>
    [Parameter] [ValidateRange(0, 3650)] public int ExpiryWarningDays { get; set; } = 30;

    protected override void ProcessRecord()
    {
        try
        {
            var config = Context.LoadExisting();
            var (graph, _) = OpenGraph();
            var checker = new TenantChecker(graph) { AppOnly = AppOnly, ExpiryWarningDays = ExpiryWarningDays };
            var findings = Run((_, ct) => checker.CheckAsync(config, ct));
            WriteCalls(graph.Calls);
            WriteObject(findings, enumerateCollection: true);
            var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
            if (errors > 0)
                WriteFailure(new OutlookOAuthException("TenantHasErrors", FailureKind.InvalidData,
                    $"The tenant has {errors} error finding(s) for '{Context.Path}'; they were output above.",
                    "Apply the Fix of each finding with Severity Error, then run Test-OutlookTenant again.") { Target = Context.Path }, Context.Path);
        }
        catch (OutlookOAuthException e) { WriteFailure(e, Context.Path); }
    }
}
