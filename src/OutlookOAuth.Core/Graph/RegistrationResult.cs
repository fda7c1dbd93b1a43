namespace OutlookOAuth.Graph;

/// <summary>What Register-OutlookApplication did: the ids, the redirect URI, the secret's expiry (never its value) and,
/// per part, whether it was Created, Updated, Found (already right) or Skipped.</summary>
public sealed class RegistrationResult
{
    public string? DisplayName { get; set; }
    /// <summary>The Application (client) ID.</summary>
    public string? AppId { get; set; }
    /// <summary>The app registration's object id.</summary>
    public string? ObjectId { get; set; }
    /// <summary>The enterprise application's (service principal's) object id: the one Exchange's New-ServicePrincipal wants.</summary>
    public string? ServicePrincipalId { get; set; }
    public string? RedirectUri { get; set; }
    public string? SignInAudience { get; set; }
    public string? SecretKeyId { get; set; }
    public DateTimeOffset? SecretExpires { get; set; }
    public string Application { get; set; } = "Skipped";
    public string ServicePrincipal { get; set; } = "Skipped";
    public string Permissions { get; set; } = "Skipped";
    public string AdminConsent { get; set; } = "Skipped";
    public string AppOnlyRoles { get; set; } = "Skipped";
    public string Secret { get; set; } = "Skipped";
    /// <summary>What changed in the tenant, e.g. "POST /applications"; empty on a re-run that found everything.</summary>
    public List<string> Changes { get; } = new();
    public string? ConfigPath { get; set; }

    public override string ToString() => $"Registration(appId={AppId}, application={Application}, secret={Secret})";
}
