namespace OutlookOAuth.Graph;

/// <summary>The admin's Graph sign-in: gives a valid access token on demand (silently renewed) and says who signed in
/// and in which tenant (the tenant id is where a registered app's secret is proved).</summary>
public sealed class GraphSession
{
    readonly Func<CancellationToken, Task<string>> _token;

    public GraphSession(Func<CancellationToken, Task<string>> token, string? tenantId, string? account)
    {
        _token = token;
        TenantId = tenantId;
        Account = account;
    }

    public string? TenantId { get; }
    /// <summary>The admin's username, or null for app-only.</summary>
    public string? Account { get; }
    public Task<string> GetTokenAsync(CancellationToken cancellationToken) => _token(cancellationToken);

    public override string ToString() => $"GraphSession(tenant={TenantId}, account={Account ?? "app-only"})";
}
