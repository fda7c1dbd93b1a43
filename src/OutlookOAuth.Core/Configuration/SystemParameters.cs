namespace OutlookOAuth.Configuration;

/// <summary>Names of the system parameters this module knows and validates. Other keys are allowed.</summary>
public static class SystemParameters
{
    public const string CatchallDomain = "mail.catchall.domain";
    public const string DefaultFrom = "mail.default.from";
    public const string BounceAlias = "mail.bounce.alias";
    public const string CatchallAlias = "mail.catchall.alias";
    public const string WebBaseUrl = "web.base.url";
    public const string OutlookEndpoint = "microsoft_outlook.endpoint";

    public static readonly IReadOnlyList<string> Known =
        [CatchallDomain, DefaultFrom, BounceAlias, CatchallAlias, WebBaseUrl, OutlookEndpoint];

    /// <summary>ParameterNotFound: <paramref name="name"/> is not set in <paramref name="configPath"/>.</summary>
    public static ConfigurationValidationException NotSet(string name, string configPath) =>
        new("ParameterNotFound", "Name", $"The system parameter '{name}' is not set in '{configPath}'.",
            $"Set it with Set-MailSystemParameter -Name {name} -Value <value>; names are case-sensitive (Tab completes the known ones).",
            FailureKind.NotFound);

    /// <summary>Why a parameter name is refused, or null. Odoo's keys are case-sensitive and used as written, so a key
    /// with surrounding whitespace or a case variant of a known key (MAIL.CATCHALL.DOMAIN) would be stored beside the
    /// real one and never read: both are refused, the latter with the known key as the hint (never silently renamed).</summary>
    public static ConfigurationValidationException? CheckName(string key)
    {
        if (key.Length > 0 && (char.IsWhiteSpace(key[0]) || char.IsWhiteSpace(key[^1])))
            return new ConfigurationValidationException("InvalidParameterName", "Name",
                $"The system parameter name '{key}' has leading or trailing whitespace; Odoo's keys are used exactly as written, so it would never be read.")
            { Hint = $"Use the name without the whitespace: '{key.Trim()}'." };
        if (key.Any(char.IsWhiteSpace) || key.Any(char.IsControl))
            return new ConfigurationValidationException("InvalidParameterName", "Name",
                $"The system parameter name '{key}' contains whitespace or control characters.")
            { Hint = "System parameter names are dotted words such as mail.catchall.domain." };
        if (!Known.Contains(key) && Known.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)) is { } known)
            return new ConfigurationValidationException("ParameterNameCase", "Name",
                $"'{key}' differs from the known system parameter '{known}' only in case; Odoo's keys are case-sensitive, so it would be stored beside '{known}' and never read.")
            { Hint = $"Use the known name: Set-MailSystemParameter -Name {known} -Value <value>." };
        return null;
    }

    /// <summary>Why <paramref name="value"/> is not valid for <paramref name="key"/>, or null when it is
    /// (or when the key is not one this module knows).</summary>
    public static string? Validate(string key, string? value)
    {
        if (value is null) return null;
        switch (key)
        {
            case CatchallDomain:
                return MailSyntax.IsDomain(value) ? null : $"'{value}' is not a domain name (for example example.com).";
            case DefaultFrom:
                return MailSyntax.IsLocalPart(value) || MailSyntax.IsAddress(value)
                    ? null : $"'{value}' is neither a local part (notifications) nor a full address (notifications@example.com).";
            case BounceAlias:
            case CatchallAlias:
                return MailSyntax.IsLocalPart(value) ? null : $"'{value}' is not a local part (the text before '@', for example bounce).";
            case WebBaseUrl:
                return Uri.TryCreate(value, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(u.Host)
                    ? null : $"'{value}' is not an absolute http(s) URL (for example https://odoo.example.com).";
            case OutlookEndpoint:
                return Uri.TryCreate(value, UriKind.Absolute, out var e) && e.Scheme == Uri.UriSchemeHttps && value.EndsWith('/')
                    ? null : $"'{value}' must be an https URL ending with '/' (for example https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/); without the final '/' the v2.0 segment is lost when URLs are joined.";
            default:
                return null;
        }
    }
}
