using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Shows the Entra application settings: never the secret, only whether one is stored, where the
/// credential comes from and when the secret expires.</para>
/// </summary>
/// <example><code>Get-OutlookApplication | Format-List</code><para>The application settings, whether a secret is stored (never its value) and when it expires.</para></example>
[Cmdlet(VerbsCommon.Get, "OutlookApplication")]
[OutputType(typeof(OutlookApplicationInfo))]
public sealed class GetOutlookApplicationCommand : IdentityCmdlet
{
    /// <summary>Warn when the client secret expires within this many days (default 30).</summary>
    [Parameter] [ValidateRange(0, 3650)] public int ExpiryWarningDays { get; set; } = 30;

    protected override void ProcessRecord()
    {
        var config = LoadConfiguration();
        var info = OutlookApplication.Describe(config.Application, Context.Tokens, Context.Path);
        if (info.ClientId is null)
            WriteWarning($"No application is configured in '{Context.Path}'. Run Set-OutlookApplication -ClientId <Application (client) ID> -Tenant <tenant> -ClientSecret (Read-Host -AsSecureString).");
        if (info.SecretExpiresInDays is { } days && days < ExpiryWarningDays)
            WriteWarning(days < 0
                ? $"The client secret expired on {info.SecretExpiresOn:d}: sign-ins and refreshes fail with AADSTS7000222. Create a new secret and run Set-OutlookApplication -ClientSecret."
                : $"The client secret expires in {days} days ({info.SecretExpiresOn:d}). Create a new one and run Set-OutlookApplication -ClientSecret -SecretExpiresOn.");
        WriteObject(info);
    }
}
