using System.Net.Sockets;
using Microsoft.Identity.Client;

namespace OutlookOAuth.Identity;

/// <summary>App-only tokens of a managed identity (MSAL's ManagedIdentityApplication) for
/// https://outlook.office365.com, and the errors that say which endpoint was asked and what to do. MSAL picks the
/// endpoint from the environment: App Service (what an Azure Automation cloud job exposes: IDENTITY_ENDPOINT +
/// IDENTITY_HEADER), Azure Arc (IDENTITY_ENDPOINT + IMDS_ENDPOINT), else IMDS (VMs), whose host
/// AZURE_POD_IDENTITY_AUTHORITY_HOST moves (MSAL reads it once per process).</summary>
public static class ManagedIdentityTokens
{
    /// <summary>The resource of Exchange Online's SMTP.SendAsApp / IMAP.AccessAsApp (scope https://outlook.office365.com/.default).</summary>
    public const string Resource = "https://outlook.office365.com";
    const string DefaultImdsHost = "http://169.254.169.254";

    /// <summary>Where MSAL will ask, in words and as a URL, from the same variables MSAL reads.</summary>
    public static (string Source, string Endpoint) Endpoint(Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getEnvironment(name) is { Length: > 0 } v ? v : null;
        var identityEndpoint = Get("IDENTITY_ENDPOINT");
        if (identityEndpoint is not null && Get("IMDS_ENDPOINT") is not null) return ("Azure Arc", identityEndpoint);
        if (identityEndpoint is not null && Get("IDENTITY_HEADER") is not null)
            return (Get("IDENTITY_SERVER_THUMBPRINT") is null ? "App Service (Azure Automation)" : "Service Fabric", identityEndpoint);
        if (Get("MSI_ENDPOINT") is { } msi) return ("Cloud Shell / Machine Learning", msi);
        var host = Get("AZURE_POD_IDENTITY_AUTHORITY_HOST") ?? DefaultImdsHost;
        return ("IMDS (Azure VM, hybrid worker)", host.TrimEnd('/') + "/metadata/identity/oauth2/token");
    }

    /// <summary>A token for <see cref="Resource"/>; <paramref name="forceRefresh"/> asks the endpoint even when MSAL's
    /// process-wide cache holds one.</summary>
    /// <exception cref="OAuthException">no managed identity, not this one, or the endpoint refused.</exception>
    public static async Task<AuthenticationResult> AcquireAsync(MsalAppFactory apps, ManagedIdentitySelection identity, bool forceRefresh,
        CancellationToken cancellationToken, Func<string, string?>? getEnvironment = null)
    {
        var app = apps.CreateManagedIdentity(identity);
        try
        {
            return await app.AcquireTokenForManagedIdentity(Resource).WithForceRefresh(forceRefresh).ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Map(e, identity, Endpoint(getEnvironment));
        }
    }

    /// <summary>An MSAL or network failure of the managed-identity endpoint, in one line with the fix.</summary>
    public static OAuthException Map(Exception e, ManagedIdentitySelection identity, (string Source, string Endpoint) where)
    {
        if (e is OAuthException o) return o;
        var useSecret = "or use an app-only secret or certificate instead (Set-OutlookApplication -ManagedIdentity:$false -ClientSecretFromEnvironment <NAME> / -CertificatePath <file>).";
        var status = (e as MsalServiceException)?.StatusCode ?? 0;
        var network = e is TaskCanceledException or TimeoutException || Chain(e).Any(x => x is HttpRequestException or SocketException or TimeoutException) ||
                      (e as MsalException)?.ErrorCode is "managed_identity_unreachable_network" || (status == 0 && e is MsalServiceException);
        if (network)
            return new OAuthException("ManagedIdentityUnavailable",
                $"No managed identity is available here: nothing answers at {where.Endpoint} ({where.Source}).",
                "Run this where a managed identity exists (an Azure Automation cloud job, or an Azure VM / Arc-enabled hybrid worker with the identity turned on), " + useSecret, inner: null);
        var detail = FirstLine((e as MsalServiceException)?.ResponseBody is { Length: > 0 } body ? body : e.Message);
        if (status is 400 or 404)
            return identity.Kind == ManagedIdentityKind.SystemAssigned
                ? new OAuthException("ManagedIdentityNotEnabled",
                    $"{where.Source} at {where.Endpoint} has no system-assigned managed identity (HTTP {status}: {detail}).",
                    "Turn it on (Automation account or VM > Identity > System assigned > On), or name a user-assigned identity with Set-OutlookApplication -ManagedIdentityClientId <client id>.", inner: null)
                : new OAuthException("ManagedIdentityNotFound",
                    $"{where.Source} at {where.Endpoint} does not know {identity.Describe()} (HTTP {status}: {detail}).",
                    "Assign that identity to this Automation account or machine (Identity > User assigned > Add), or correct the id with Set-OutlookApplication -ManagedIdentityClientId <client id> / -ManagedIdentityResourceId <resource id>.", inner: null);
        return new OAuthException("ManagedIdentityRefused",
            $"{where.Source} at {where.Endpoint} refused the token request for {identity.Describe()} (HTTP {status}: {detail}).",
            "Check the identity's endpoint variables (IDENTITY_ENDPOINT / IDENTITY_HEADER are set by Azure, not by hand), retry later, " + useSecret, inner: null);
    }

    static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    /// <summary>The endpoint's own words: MSAL's "[Managed Identity] Error Message: X Managed Identity Correlation ID: ..." becomes X.</summary>
    static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        const string prefix = "Error Message: ";
        if (line.IndexOf(prefix, StringComparison.Ordinal) is var p and >= 0) line = line[(p + prefix.Length)..];
        if (line.IndexOf(" Managed Identity Correlation ID", StringComparison.Ordinal) is var q and > 0) line = line[..q];
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
