using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Graph;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Registers the Entra application through Microsoft Graph (or completes it), and stores its client
/// id, tenant and a new client secret as Set-OutlookApplication does.</para>
/// <para type="description">Creates what is missing and nothing else: the application (any organization and personal
/// accounts, or -WorkOrSchoolOnly), the Web redirect URIs (web.base.url + /microsoft_outlook/confirm, or -RedirectUri, and
/// http://localhost for Connect-OutlookAccount), the delegated permissions User.Read, offline_access, SMTP.Send and
/// IMAP.AccessAsUser.All, the enterprise application, admin consent (-GrantAdminConsent), the Exchange Online application
/// permissions for runbooks (-AppOnly) and a client secret. The secret goes from Graph's answer into the token store and
/// is never shown. A re-run finds the application (by the configured client id, else by name) and changes nothing that
/// is right. -WhatIf lists the Graph calls of a first run and makes none (no sign-in either).</para>
/// </summary>
/// <example><code>Register-OutlookApplication -Tenant contoso.onmicrosoft.com -GrantAdminConsent -SecretExpiresOn (Get-Date).AddMonths(6)</code><para>Registers the app in contoso, consents for everyone, stores a six-month secret.</para></example>
/// <example><code>Register-OutlookApplication -AppOnly -GrantAdminConsent -InformationVariable exo; $exo.MessageData</code><para>Also the app-only permissions; the Exchange Online commands to run come on the information stream.</para></example>
[Cmdlet(VerbsLifecycle.Register, "OutlookApplication", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RegistrationResult))]
public sealed class RegisterOutlookApplicationCommand : GraphCmdlet
{
    /// <summary>The application's display name (default OutlookOAuth); how it is found when no client id is configured.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string DisplayName { get; set; } = RegistrationRequest.DefaultDisplayName;
    /// <summary>The Web redirect URI; default: the web.base.url system parameter + /microsoft_outlook/confirm.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? RedirectUri { get; set; }
    /// <summary>Work or school accounts only (AzureADMultipleOrgs) instead of also personal Microsoft accounts.</summary>
    [Parameter] public SwitchParameter WorkOrSchoolOnly { get; set; }
    /// <summary>Grant admin consent for everyone (oauth2PermissionGrant, AllPrincipals), so no user is asked.</summary>
    [Parameter] public SwitchParameter GrantAdminConsent { get; set; }
    /// <summary>Also the Office 365 Exchange Online application permissions SMTP.SendAsApp and IMAP.AccessAsApp, consented;
    /// the Exchange Online PowerShell commands Graph cannot run are written to the information stream.</summary>
    [Parameter] public SwitchParameter AppOnly { get; set; }
    /// <summary>When a new client secret expires (default: in 180 days; Entra allows at most 2 years).</summary>
    [Parameter] public DateTime? SecretExpiresOn { get; set; }

    /// <summary>Registering stores the application in the file, creating it as Set-OutlookApplication does.</summary>
    protected override bool CreatesConfiguration => true;

    protected override void ProcessRecord()
    {
        try
        {
            var config = LoadConfiguration();
            var app = config.Application;
            var baseUrl = config.GetParameter(SystemParameters.WebBaseUrl);
            var confirm = RedirectUri ?? (baseUrl is { Length: > 0 } b ? RegistrationRequest.ConfirmUri(b)
                : throw new OutlookOAuthException("NoRedirectUri", FailureKind.InvalidArgument,
                    "No redirect URI: the web.base.url system parameter is not set and -RedirectUri was not given.",
                    "Set-MailSystemParameter -Name web.base.url -Value https://odoo.example.com (Odoo's address), or pass -RedirectUri."));
            var expires = SecretExpiresOn is { } d ? new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Local) : d) : DateTimeOffset.UtcNow.AddDays(180);
            var request = new RegistrationRequest
            {
                DisplayName = DisplayName, KnownAppId = app.ClientId, WorkOrSchoolOnly = WorkOrSchoolOnly,
                RedirectUris = [confirm, RegistrationRequest.LoopbackRedirect], GrantAdminConsent = GrantAdminConsent, AppOnly = AppOnly,
                SecretExpiresOn = expires, KnownSecretKeyId = app.SecretKeyId,
                SecretStored = Context.ExistingTokens?.HasSecret(TokenStore.ClientSecretName) == true && string.IsNullOrEmpty(app.ClientSecretEnvironmentVariable),
            };
            var authority = Tenant is null && Authority is null ? null : new ApplicationChange { Tenant = Tenant, Authority = Authority };

            // The plan: the calls of a first run, made against nothing.
            var plan = new GraphPlan();
            new OutlookTenant(Context, plan).RegisterAsync(request, null, Cancellation).GetAwaiter().GetResult();
            WriteCalls(plan.Calls);
            var listing = string.Join(Environment.NewLine, plan.Calls.Select(c => "  " + c));
            if (!ShouldProcess(Context.Path, $"Register the Entra application '{DisplayName}' (what is missing of:{Environment.NewLine}{listing})")) return;

            var (graph, _) = OpenGraph();
            var result = Run((_, ct) => new OutlookTenant(Context, graph).RegisterAsync(request, authority, ct));
            WriteCalls(graph.Calls);
            if (AppOnly)
                foreach (var command in ExchangeOnlineCommands.ForAppOnly(result.AppId!, result.ServicePrincipalId!, DisplayName, config.AllServers.Select(s => s.Username ?? "")))
                    WriteInformation(new InformationRecord(command, "Register-OutlookApplication") { Tags = { "ExchangeOnline", "OutlookOAuth" } });
            WriteObject(result);
        }
        catch (OutlookOAuthException e) { WriteFailure(e, Context.Path); }
        finally { WriteStoreWarnings(); }
    }
}
