namespace OutlookOAuth.Graph;

/// <summary>What Register-OutlookApplication should make sure exists.</summary>
public sealed class RegistrationRequest
{
    public const string DefaultDisplayName = "OutlookOAuth";
    /// <summary>Where Odoo receives the sign-in: web.base.url + this path.</summary>
    public const string ConfirmPath = "/microsoft_outlook/confirm";
    /// <summary>The loopback redirect Connect-OutlookAccount's browser sign-in uses (Entra matches loopback on any port).</summary>
    public const string LoopbackRedirect = "http://localhost";

    public string DisplayName { get; init; } = DefaultDisplayName;
    /// <summary>The application id already in the configuration: the app looked for first.</summary>
    public string? KnownAppId { get; init; }
    /// <summary>AzureADandPersonalMicrosoftAccount (default) or AzureADMultipleOrgs (work or school accounts only).</summary>
    public bool WorkOrSchoolOnly { get; init; }
    /// <summary>The Web redirect URIs the app must have (Odoo's confirm URL, the loopback).</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];
    public bool GrantAdminConsent { get; init; }
    /// <summary>Also the Office 365 Exchange Online application permissions SMTP.SendAsApp and IMAP.AccessAsApp, consented.</summary>
    public bool AppOnly { get; init; }
    /// <summary>When the new client secret expires.</summary>
    public DateTimeOffset SecretExpiresOn { get; init; }
    /// <summary>The configured secret's keyId: a secret is added only when this one is no longer on the app.</summary>
    public string? KnownSecretKeyId { get; init; }
    /// <summary>Whether a usable secret is stored for <see cref="KnownAppId"/> (no secret is added then, if still on the app).</summary>
    public bool SecretStored { get; init; }

    public string SignInAudience => WorkOrSchoolOnly ? "AzureADMultipleOrgs" : "AzureADandPersonalMicrosoftAccount";

    /// <summary>Odoo's redirect URI for a base URL: url_join(web.base.url, '/microsoft_outlook/confirm').</summary>
    public static string ConfirmUri(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl.Trim(), UriKind.Absolute, out var b) || (b.Scheme != Uri.UriSchemeHttps && b.Scheme != Uri.UriSchemeHttp))
            throw new OutlookOAuthException("InvalidBaseUrl", FailureKind.InvalidArgument,
                $"The web.base.url '{baseUrl}' is not an http(s) URL, so no redirect URI can be made from it.",
                "Set-MailSystemParameter -Name web.base.url -Value https://odoo.example.com (or pass -RedirectUri).");
        return new Uri(b, ConfirmPath).AbsoluteUri;
    }
}
