using System.Management.Automation;
using System.Security;
using OutlookOAuth.Graph;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>Base of the cmdlets that work on the tenant through Microsoft Graph: how the administrator signs in (browser,
/// -DeviceCode, or an automation app's -AdminClientSecret / -AdminCertificatePath), at which authority (-Tenant /
/// -Authority, else the configuration's) and which Graph root (-GraphEndpoint, else $env:OUTLOOKOAUTH_GRAPH_ENDPOINT, else
/// https://graph.microsoft.com/). The sign-in is kept for the session, so the next Graph command signs in silently.</summary>
public abstract class GraphCmdlet : IdentityCmdlet
{
    /// <summary>The tenant (id or domain) to sign the administrator in to; default: the configuration's tenant
    /// (organizations when it is common).</summary>
    [Parameter] [ValidateNotNullOrEmpty] [Alias("TenantId")] public string? Tenant { get; set; }
    /// <summary>An explicit authority https://host/&lt;tenant&gt;/ (the lab's); not together with -Tenant.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? Authority { get; set; }
    /// <summary>The Microsoft Graph root; default $env:OUTLOOKOAUTH_GRAPH_ENDPOINT, else https://graph.microsoft.com/.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? GraphEndpoint { get; set; }
    /// <summary>The client the administrator signs in with: default Microsoft Graph Command Line Tools
    /// (14d82eec-204b-4c2f-b7e8-296a70dab67e); with -AdminClientSecret or -AdminCertificatePath, the automation app.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string AdminClientId { get; set; } = GraphIds.AdminClientId;
    /// <summary>The administrator's account (user principal name): the browser sign-in suggests it, and a sign-in of
    /// this session by another account is not reused.</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? AdminAccount { get; set; }
    /// <summary>Sign the administrator in with a device code (SSH, hosts without a browser).</summary>
    [Parameter] public SwitchParameter DeviceCode { get; set; }
    /// <summary>App-only: the automation app's client secret (it needs Application.ReadWrite.All and
    /// AppRoleAssignment.ReadWrite.All as application permissions).</summary>
    [Parameter] public SecureString? AdminClientSecret { get; set; }
    /// <summary>App-only: the automation app's certificate (PFX/PEM file).</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? AdminCertificatePath { get; set; }
    /// <summary>The password of -AdminCertificatePath.</summary>
    [Parameter] public SecureString? AdminCertificatePassword { get; set; }

    /// <summary>The authority the administrator signs in at.</summary>
    protected OutlookAuthority AdminAuthority()
    {
        if (Tenant is not null && Authority is not null)
            throw new OutlookOAuthException("ConflictingAuthority", FailureKind.InvalidArgument, "Give either -Tenant or -Authority, not both.",
                OutlookApplication.HintFor("ConflictingAuthority"));
        var authority = Authority is not null ? OutlookAuthority.Parse(Authority)
            : Tenant is not null ? OutlookAuthority.ForTenant(Tenant)
            : OutlookAuthority.FromSettings(LoadConfiguration().Application);
        return authority.Tenant is "common" or "consumers" ? OutlookAuthority.Parse($"{authority.Root.GetLeftPart(UriPartial.Authority)}/organizations/") : authority;
    }

    /// <summary>The administrator's sign-in options for this command.</summary>
    protected GraphSignInOptions SignInOptions() => new()
    {
        Authority = AdminAuthority(),
        ClientId = AdminClientId,
        DeviceCode = DeviceCode,
        Account = AdminAccount,
        ClientSecret = SecretText.Reveal(AdminClientSecret),
        CertificatePath = AdminCertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(AdminCertificatePath),
        CertificatePassword = SecretText.Reveal(AdminCertificatePassword),
        PersonPresent = PersonPresent,
    };

    /// <summary>Signs the administrator in (in the background; messages to the warning/information streams) and opens Graph.</summary>
    protected (GraphClient Graph, GraphSession Session) OpenGraph()
    {
        var endpoint = GraphIds.ResolveEndpoint(GraphEndpoint);
        var options = SignInOptions();
        var session = Run((ui, ct) => new GraphSignIn().SignInAsync(options, ui, ct));
        WriteVerbose($"Signed in to Microsoft Graph ({endpoint}) as {session.Account ?? $"the app {options.ClientId}"}, tenant {session.TenantId ?? options.Authority.Tenant}.");
        return (new GraphClient(endpoint, session.GetTokenAsync), session);
    }

    /// <summary>Writes each Graph call made to the verbose stream.</summary>
    protected void WriteCalls(IEnumerable<GraphCall> calls)
    {
        foreach (var call in calls) WriteVerbose($"Graph: {call}");
    }
}
