using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>An Entra-shaped authority: <c>https://host[:port]/&lt;tenant&gt;/</c>, the form MSAL's
/// <c>WithAuthority</c> wants. Accepts the v2 endpoint form Odoo uses
/// (<c>https://login.microsoftonline.com/&lt;tenant&gt;/oauth2/v2.0/</c>), with or without trailing slash.</summary>
public sealed class OutlookAuthority
{
    public const string MicrosoftHost = "login.microsoftonline.com";

    static readonly HashSet<string> MicrosoftHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
        "login.microsoftonline.us", "login.partner.microsoftonline.cn", "login.chinacloudapi.cn",
    };

    OutlookAuthority(Uri root, string tenant)
    {
        Root = root;
        Tenant = tenant;
    }

    /// <summary>Scheme, host and port, e.g. <c>https://127.0.0.1:5443</c>.</summary>
    public Uri Root { get; }
    /// <summary>The first path segment: common, organizations, a tenant id or a domain.</summary>
    public string Tenant { get; }
    /// <summary>What MSAL is given: <c>https://host/&lt;tenant&gt;/</c>.</summary>
    public string MsalAuthority => $"{Root.GetLeftPart(UriPartial.Authority)}/{Tenant}/";
    /// <summary>Odoo's endpoint form, <c>https://host/&lt;tenant&gt;/oauth2/v2.0/</c>.</summary>
    public string Endpoint => MsalAuthority + "oauth2/v2.0/";
    public string TokenEndpoint => Endpoint + "token";
    public string AuthorizeEndpoint => Endpoint + "authorize";
    public string DeviceCodeEndpoint => Endpoint + "devicecode";
    /// <summary>True for Microsoft's own login hosts (instance discovery stays on there).</summary>
    public bool IsMicrosoft => MicrosoftHosts.Contains(Root.Host);
    /// <summary>Tenant-independent authorities (where a single-tenant app fails with AADSTS50194).</summary>
    public bool IsMultiTenant => Tenant is "common" or "organizations" or "consumers";

    /// <summary>The admin consent URL for this application (AADSTS65001 / 90094 / 90095).</summary>
    public string AdminConsentUrl(string clientId) =>
        $"{Root.GetLeftPart(UriPartial.Authority)}/{(IsMultiTenant ? "organizations" : Tenant)}/adminconsent?client_id={Uri.EscapeDataString(clientId)}";

    /// <summary>The authority of the application settings: the explicit one, else the tenant's.</summary>
    public static OutlookAuthority FromSettings(OutlookApplicationSettings settings) => Parse(settings.EffectiveAuthority);

    /// <summary>The authority for a tenant on login.microsoftonline.com.</summary>
    public static OutlookAuthority ForTenant(string? tenant)
    {
        var t = string.IsNullOrWhiteSpace(tenant) ? OutlookApplicationSettings.DefaultTenant : tenant.Trim();
        if (!IsValidTenant(t))
            throw new ConfigurationValidationException("InvalidTenant", "Tenant",
                $"'{t}' is not a tenant: use common, organizations, consumers, a tenant id (GUID) or a domain such as contoso.onmicrosoft.com.")
            { Hint = "Set-OutlookApplication -Tenant <tenant id or domain>: the Directory (tenant) ID on the app registration's Overview page, or a verified domain." };
        return new OutlookAuthority(new Uri("https://" + MicrosoftHost), t);
    }

    /// <summary>Parses and normalizes an authority URL. HTTPS is mandatory (MSAL refuses anything else)
    /// and the first path segment is the tenant.</summary>
    /// <exception cref="ConfigurationValidationException">InvalidAuthority.</exception>
    public static OutlookAuthority Parse(string value)
    {
        if (!Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri))
            throw Invalid(value, "it is not an absolute URL");
        if (uri.Scheme != Uri.UriSchemeHttps)
            throw Invalid(value, "it must use https (MSAL refuses any other scheme)");
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
            throw Invalid(value, "it has no tenant segment (https://host/<tenant>/)");
        var rest = segments.Skip(1).Select(s => s.ToLowerInvariant()).ToArray();
        // Allowed after the tenant: nothing, "v2.0", "oauth2", "oauth2/v2.0" (optionally with authorize/token).
        var known = new[] { "oauth2", "v2.0", "authorize", "token" };
        if (rest.Any(s => !known.Contains(s)))
            throw Invalid(value, $"only https://host/<tenant>/ or https://host/<tenant>/oauth2/v2.0/ are understood (MSAL takes the first path segment as the tenant, so '{uri.AbsolutePath}' cannot be hosted under a sub-path)");
        var tenant = Uri.UnescapeDataString(segments[0]);
        if (!IsValidTenant(tenant))
            throw Invalid(value, $"'{tenant}' is not a tenant");
        return new OutlookAuthority(new Uri(uri.GetLeftPart(UriPartial.Authority)), tenant);
    }

    public static bool IsValidTenant(string tenant) =>
        tenant is "common" or "organizations" or "consumers" || Guid.TryParse(tenant, out _) || MailSyntax.IsDomain(tenant)
        || (tenant.Length is > 0 and <= 64 && tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));

    static ConfigurationValidationException Invalid(string? value, string why) =>
        new("InvalidAuthority", "Authority", $"The authority '{value}' is not usable: {why}.")
        { Hint = "Give https://<host>/<tenant>/ (or Odoo's https://<host>/<tenant>/oauth2/v2.0/) to Set-OutlookApplication -Authority, or use -Tenant for Microsoft's login host." };

    public override string ToString() => MsalAuthority;
}
