using System.Management.Automation;
using OutlookOAuth.Graph;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Rotates the application's client secret through Microsoft Graph: adds a new one, proves it by
/// getting a token with it, stores it, and only then removes the old one from Entra.</para>
/// <para type="description">At no moment is there no working secret: a send loop running meanwhile keeps sending. A new
/// secret that cannot be proved is removed again and the stored one stays. The old secret is the one whose keyId the
/// configuration records (Register-OutlookApplication, an earlier rotation); -KeepOldSecret leaves it in Entra. The new
/// secret is never shown.</para>
/// </summary>
/// <example><code>Update-OutlookApplicationSecret -SecretExpiresOn (Get-Date).AddMonths(6)</code><para>A new six-month secret; the old one is removed once the new one works.</para></example>
[Cmdlet(VerbsData.Update, "OutlookApplicationSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SecretRotation))]
public sealed class UpdateOutlookApplicationSecretCommand : GraphCmdlet
{
    /// <summary>When the new secret expires (default: in 180 days).</summary>
    [Parameter] public DateTime? SecretExpiresOn { get; set; }
    /// <summary>Leave the old secret in Entra (remove it later yourself).</summary>
    [Parameter] public SwitchParameter KeepOldSecret { get; set; }
    /// <summary>Seconds between storing the new secret and removing the old one, so a token request that read the old
    /// secret just before finishes with it (default 5).</summary>
    [Parameter] [ValidateRange(0, 600)] public int GraceSeconds { get; set; } = 5;

    protected override void ProcessRecord()
    {
        try
        {
            var config = LoadConfiguration();
            var expires = SecretExpiresOn is { } d ? new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d) : DateTimeOffset.UtcNow.AddDays(180);
            var plan = new GraphPlan();
            try { new OutlookTenant(Context, plan).RotateSecretAsync(expires, null, TimeSpan.Zero, KeepOldSecret, null, Cancellation).GetAwaiter().GetResult(); }
            catch (OutlookOAuthException) { } // the plan of an app not found: the real run reports it
            WriteCalls(plan.Calls);
            var old = config.Application.SecretKeyId is { } k ? $"remove the old secret {k}" : "the old secret's keyId is unknown: it is left in Entra";
            if (!ShouldProcess(Context.Path, $"Add a new client secret to {config.Application.ClientId}, prove and store it, then {(KeepOldSecret ? "keep the old one" : old)}")) return;
            var (graph, session) = OpenGraph();
            var tenant = new OutlookTenant(Context, graph);
            var rotation = Run((_, ct) => tenant.RotateSecretAsync(expires, session.TenantId, TimeSpan.FromSeconds(GraceSeconds), KeepOldSecret,
                step => WriteVerboseLater(step), ct));
            WriteCalls(graph.Calls);
            if (rotation.OldKeyId is null) WriteWarning("The old secret's keyId is not in the configuration, so it was left in Entra; remove it under Certificates & secrets once nothing uses it.");
            WriteObject(rotation);
        }
        catch (OutlookOAuthException e) { WriteFailure(e, Context.Path); }
        finally { WriteStoreWarnings(); }
    }

    readonly List<string> _steps = new();
    void WriteVerboseLater(string step) { lock (_steps) _steps.Add(step); }

    protected override void EndProcessing()
    {
        foreach (var s in _steps) WriteVerbose(s);
    }
}
