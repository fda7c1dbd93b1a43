using System.Management.Automation;
using System.Security;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sets the Entra application used to connect accounts: client id, tenant or authority, and its
/// secret or certificate.</para>
/// <para type="description">Non-secret settings go to the configuration file; the client secret and the certificate
/// password go to the protected token store, never to the file, the output or any stream.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "OutlookApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OutlookApplicationInfo))]
public sealed class SetOutlookApplicationCommand : IdentityCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("ApplicationId", "AppId")] public string? ClientId { get; set; }
    /// <summary>common (default), organizations, a tenant id or a domain.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("TenantId")] public string? Tenant { get; set; }
    /// <summary>An explicit authority URL (wins over -Tenant); an empty string returns to the tenant's.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [AllowEmptyString] public string? Authority { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] [AllowEmptyString] public string? RedirectUri { get; set; }
    [Parameter] public SecureString? ClientSecret { get; set; }
    /// <summary>Read the secret from this environment variable at run time (runbooks).</summary>
    [Parameter] [AllowEmptyString] public string? ClientSecretFromEnvironment { get; set; }
    [Parameter] public SwitchParameter RemoveClientSecret { get; set; }
    [Parameter] [AllowEmptyString] public string? CertificatePath { get; set; }
    [Parameter] public SecureString? CertificatePassword { get; set; }
    [Parameter] [AllowEmptyString] public string? CertificateThumbprint { get; set; }
    /// <summary>When the client secret expires (shown by Get-OutlookApplication).</summary>
    [Parameter] public DateTime? SecretExpiresOn { get; set; }
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var change = new ApplicationChange
        {
            ClientId = ClientId, Tenant = Tenant, Authority = Authority, RedirectUri = RedirectUri,
            ClientSecretFromEnvironment = ClientSecretFromEnvironment, RemoveClientSecret = RemoveClientSecret,
            CertificatePath = CertificatePath is { Length: > 0 } p ? GetUnresolvedProviderPathFromPSPath(p) : CertificatePath,
            CertificateThumbprint = CertificateThumbprint,
            SecretExpiresOn = SecretExpiresOn is { } d ? new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d) : null,
        };
        var what = string.Join(", ", MyInvocation.BoundParameters.Keys.Where(k => k is not ("PassThru" or "ConfigPath" or "WhatIf" or "Confirm")));
        if (!ShouldProcess(Store.Path, $"Set the Outlook application ({what})")) return;
        try
        {
            change.ClientSecret = SecretText.Reveal(ClientSecret);
            change.CertificatePassword = SecretText.Reveal(CertificatePassword);
            var info = OutlookApplication.Set(Store, OpenTokenStore(), change);
            if (PassThru) WriteObject(info);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            Fail(e, Store.Path); // never the change itself: it holds the secret
        }
    }
}
