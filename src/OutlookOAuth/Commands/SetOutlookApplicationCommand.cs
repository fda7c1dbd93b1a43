using System.Management.Automation;
using System.Security;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sets the Entra application used to connect accounts: client id, tenant or authority, and its
/// secret or certificate.</para>
/// <para type="description">Non-secret settings go to the configuration file; the client secret and the certificate
/// password go to the protected token store, never to the file, the output or any stream.</para>
/// </summary>
/// <example><code>Set-OutlookApplication -ClientId $appId -Tenant contoso.onmicrosoft.com -ClientSecret (Read-Host -AsSecureString) -SecretExpiresOn 2027-06-30</code><para>Stores the application; the secret goes to the token store, never to the YAML file.</para></example>
/// <example><code>Set-OutlookApplication -ClientId $appId -Tenant $tenantId -ClientSecretFromEnvironment OUTLOOK_SECRET</code><para>A runbook: the secret is read from an environment variable when needed.</para></example>
/// <example><code>Set-OutlookApplication -ManagedIdentity</code><para>A runbook with no secret: app-only tokens come from the Automation account's (or VM's) system-assigned managed identity.</para></example>
[Cmdlet(VerbsCommon.Set, "OutlookApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OutlookApplicationInfo))]
public sealed class SetOutlookApplicationCommand : IdentityCmdlet
{
    /// <summary>Creates the file -ConfigPath names when it is missing.</summary>
    protected override bool CreatesConfiguration => true;

    /// <summary>The Application (client) ID of the Entra app registration: a GUID (an empty or other value is refused).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("ApplicationId", "AppId")] public string? ClientId { get; set; }
    /// <summary>common (default), organizations, a tenant id or a domain: the authority becomes
    /// https://login.microsoftonline.com/&lt;tenant&gt;/ (an explicit -Authority is dropped). Not together with -Authority.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("TenantId")] public string? Tenant { get; set; }
    /// <summary>An explicit authority URL, which names its tenant itself (not together with -Tenant); an empty string
    /// returns to the tenant's authority on login.microsoftonline.com.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [AllowEmptyString] public string? Authority { get; set; }
    /// <summary>The web redirect URI registered for the paste flow (e.g. https://odoo.example.com/microsoft_outlook/confirm).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)] [AllowEmptyString] public string? RedirectUri { get; set; }
    /// <summary>The client secret VALUE (not its ID), kept in the token store. A GUID-shaped value is accepted with a
    /// warning: it is almost always the secret's ID, which Entra refuses with AADSTS7000215.</summary>
    [Parameter] public SecureString? ClientSecret { get; set; }
    /// <summary>Read the secret from this environment variable at run time (runbooks); the variable must be set when
    /// this runs.</summary>
    [Parameter] [AllowEmptyString] public string? ClientSecretFromEnvironment { get; set; }
    /// <summary>Remove the stored client secret.</summary>
    [Parameter] public SwitchParameter RemoveClientSecret { get; set; }
    /// <summary>A PFX/PKCS#12 certificate file for client credentials; an empty string removes it. Not together with
    /// -CertificateThumbprint.</summary>
    [Parameter] [AllowEmptyString] public string? CertificatePath { get; set; }
    /// <summary>The password of the certificate file, kept in the token store.</summary>
    [Parameter] public SecureString? CertificatePassword { get; set; }
    /// <summary>A certificate of the Windows certificate store (CurrentUser\My, then LocalMachine\My).</summary>
    [Parameter] [AllowEmptyString] public string? CertificateThumbprint { get; set; }
    /// <summary>When the client secret expires (shown by Get-OutlookApplication).</summary>
    [Parameter] public DateTime? SecretExpiresOn { get; set; }
    /// <summary>App-only tokens come from the machine's system-assigned managed identity (no secret);
    /// -ManagedIdentity:$false removes any managed identity.</summary>
    [Parameter] public SwitchParameter ManagedIdentity { get; set; }
    /// <summary>App-only tokens come from the user-assigned managed identity with this client id (a GUID).</summary>
    [Parameter] public string? ManagedIdentityClientId { get; set; }
    /// <summary>App-only tokens come from the user-assigned managed identity with this Azure resource id.</summary>
    [Parameter] public string? ManagedIdentityResourceId { get; set; }
    /// <summary>Output the application settings as saved.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    /// <summary>The value the admin gave for a non-secret field (the error's TargetObject), else the configuration path.</summary>
    object OffendingValue(string field) => field switch
    {
        nameof(ClientId) => ClientId ?? "",
        nameof(Tenant) => Tenant ?? "",
        nameof(Authority) => Authority ?? "",
        nameof(RedirectUri) => RedirectUri ?? "",
        nameof(ClientSecretFromEnvironment) => ClientSecretFromEnvironment ?? "",
        nameof(CertificatePath) => CertificatePath ?? "",
        nameof(CertificateThumbprint) => CertificateThumbprint ?? "",
        nameof(ManagedIdentityClientId) => ManagedIdentityClientId ?? "",
        nameof(ManagedIdentityResourceId) => ManagedIdentityResourceId ?? "",
        _ => Context.Path,
    };

    protected override void ProcessRecord()
    {
        var change = new ApplicationChange
        {
            ClientId = ClientId, Tenant = Tenant, Authority = Authority, RedirectUri = RedirectUri,
            ClientSecretFromEnvironment = ClientSecretFromEnvironment, RemoveClientSecret = RemoveClientSecret,
            CertificatePath = CertificatePath is { Length: > 0 } p ? GetUnresolvedProviderPathFromPSPath(p) : CertificatePath,
            CertificateThumbprint = CertificateThumbprint,
            SecretExpiresOn = SecretExpiresOn is { } d ? new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d) : null,
            ManagedIdentity = ManagedIdentityResourceId ?? ManagedIdentityClientId
                ?? (MyInvocation.BoundParameters.ContainsKey(nameof(ManagedIdentity)) ? (ManagedIdentity ? ManagedIdentitySelection.SystemValue : "") : null),
            ManagedIdentitySources = new[] { ManagedIdentityClientId, ManagedIdentityResourceId }.Count(v => v is not null) + (MyInvocation.BoundParameters.ContainsKey(nameof(ManagedIdentity)) ? 1 : 0),
        };
        var what = string.Join(", ", MyInvocation.BoundParameters.Keys.Where(k => k is not ("PassThru" or "ConfigPath" or "WhatIf" or "Confirm")));
        if (!ShouldProcess(Context.Path, $"Set the Outlook application ({what})")) return;
        try
        {
            change.ClientSecret = SecretText.Reveal(ClientSecret);
            change.CertificatePassword = SecretText.Reveal(CertificatePassword);
            var info = OutlookApplication.Set(Context.Store, Context.Tokens, change);
            foreach (var advice in OutlookApplication.Advise(change)) WriteWarning(advice);
            if (PassThru) WriteObject(info);
        }
        catch (OutlookOAuthException e)
        {
            // The offending value, never the change itself: it holds the secret.
            WriteFailure(e, e switch
            {
                ConfigurationValidationException v => OffendingValue(v.Field),
                OAuthException { ErrorId: "CertificateUnreadable" or "CertificateWithoutPrivateKey" } => OffendingValue(nameof(CertificatePath)),
                _ => Context.Path,
            });
        }
        finally { WriteStoreWarnings(); }
    }
}
