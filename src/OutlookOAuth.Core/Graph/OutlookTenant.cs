using System.Text.Json.Nodes;
using Microsoft.Identity.Client;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using static OutlookOAuth.Graph.GraphJson;

namespace OutlookOAuth.Graph;

/// <summary>The tenant side of one configuration file: registers its application, assigns its users, rotates its secret.
/// Secrets go from Graph's answer straight into <see cref="OutlookApplication.Set"/> (the token store), as
/// Set-OutlookApplication stores them; the YAML keeps only the client id, tenant, the secret's keyId and expiry.</summary>
public sealed class OutlookTenant
{
    readonly ConfigurationContext _context;
    readonly IGraphTransport _graph;
    readonly MsalAppFactory _apps;
    readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public OutlookTenant(ConfigurationContext context, IGraphTransport graph, MsalAppFactory? apps = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _context = context;
        _graph = graph;
        _apps = apps ?? new MsalAppFactory();
        _delay = delay ?? ((t, ct) => Task.Delay(t, ct));
    }

    bool IsPlan => _graph is GraphPlan;

    /// <summary>Registers (or completes) the application; with a plan transport nothing is stored.</summary>
    /// <param name="tenant">-Tenant or -Authority to store beside the client id (null: as configured).</param>
    public async Task<RegistrationResult> RegisterAsync(RegistrationRequest request, ApplicationChange? authority, CancellationToken ct)
    {
        if (authority is not null) OutlookApplication.Validate(authority);
        var registrar = new ApplicationRegistrar(_graph);
        var stored = false;
        var result = await registrar.RegisterAsync(request, (appId, keyId, ends, secretText) =>
        {
            if (IsPlan) return Task.CompletedTask;
            if (secretText.Length == 0)
                throw new OutlookOAuthException("GraphEmptyAnswer", FailureKind.Protocol, "Graph added a client secret but did not return its value.", "Run Update-OutlookApplicationSecret.");
            Store(appId, authority, secretText, keyId, ends);
            stored = true;
            return Task.CompletedTask;
        }, ct).ConfigureAwait(false);
        if (!IsPlan && !stored) Store(result.AppId!, authority, null, null, null); // client id (and tenant) only
        result.ConfigPath = _context.Path;
        return result;
    }

    void Store(string appId, ApplicationChange? authority, string? secret, string? keyId, DateTimeOffset? ends)
    {
        var change = new ApplicationChange
        {
            ClientId = appId, Tenant = authority?.Tenant, Authority = authority?.Authority,
            ClientSecret = secret, SecretKeyId = keyId, SecretExpiresOn = ends,
        };
        OutlookApplication.Set(_context.Store, _context.Tokens, change);
    }

    /// <summary>The configured application's enterprise application (service principal), or ApplicationNotRegistered.</summary>
    public async Task<JsonObject> ServicePrincipalAsync(CancellationToken ct)
    {
        var appId = MsalAppFactory.RequireClientId(_context.Load().Application);
        return await new ApplicationRegistrar(_graph).FindServicePrincipalAsync(appId, ct).ConfigureAwait(false)
            ?? throw new OutlookOAuthException("ApplicationNotRegistered", FailureKind.NotFound,
                $"The application {appId} of '{_context.Path}' has no enterprise application in this tenant.",
                "Run Register-OutlookApplication (it creates the service principal), or check -Tenant.");
    }

    /// <summary>The assignment of one command: the principals assigned once read, assignment made required once.</summary>
    public async Task<ApplicationAssignments> AssignmentsAsync(CancellationToken ct)
    {
        var sp = await ServicePrincipalAsync(ct).ConfigureAwait(false);
        var spId = Str(sp, "id")!;
        var assigned = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? next = $"servicePrincipals/{Segment(spId)}/appRoleAssignedTo?$select=principalId,principalType,principalDisplayName&$top=999";
        while (next is not null)
        {
            var page = await _graph.SendAsync(HttpMethod.Get, next, null, "read the assigned users and groups", ct).ConfigureAwait(false);
            foreach (var a in Items(page)) if (Str(a, "principalId") is { } p) assigned.Add(p);
            next = Str(page, "@odata.nextLink") is { } link && link.IndexOf("/v1.0/", StringComparison.Ordinal) is var i and >= 0 ? link[(i + 6)..] : null;
        }
        return new ApplicationAssignments(_graph, spId, Bool(sp, "appRoleAssignmentRequired") == true, assigned);
    }

    /// <summary>Adds a new secret, proves it by getting a token with it, stores it, and only then removes the old one
    /// (after <paramref name="grace"/>, so a refresh that read the old secret just before finishes with it): at no
    /// moment is there no working secret. A new secret that cannot be proved is removed again and nothing is stored.</summary>
    public async Task<SecretRotation> RotateSecretAsync(DateTimeOffset endDateTime, string? proofTenant, TimeSpan grace, bool keepOld, Action<string>? progress, CancellationToken ct)
    {
        var settings = _context.Load().Application;
        var appId = MsalAppFactory.RequireClientId(settings);
        if (settings.ClientSecretEnvironmentVariable is { Length: > 0 } variable)
            throw new OutlookOAuthException("SecretFromEnvironment", FailureKind.InvalidArgument,
                $"The client secret of '{_context.Path}' is read from ${"env:"}{variable}, which this command cannot update.",
                "Rotate it where the variable is kept (the runbook's encrypted variable), or store it in the token store: Set-OutlookApplication -ClientSecret.");
        var registrar = new ApplicationRegistrar(_graph);
        var app = await registrar.FindApplicationAsync(appId, null, ct).ConfigureAwait(false)
            ?? throw new OutlookOAuthException("ApplicationNotRegistered", FailureKind.NotFound, $"The application {appId} is not registered in this tenant.", "Run Register-OutlookApplication.");
        var objectId = Str(app, "id")!;
        var oldKeyId = settings.SecretKeyId;
        var oldOnApp = oldKeyId is not null && Items(app, "passwordCredentials").Any(c => string.Equals(Str(c, "keyId"), oldKeyId, StringComparison.OrdinalIgnoreCase));
        var rotation = new SecretRotation { AppId = appId, OldKeyId = oldKeyId, ConfigPath = _context.Path };
        if (IsPlan)
        {
            var planned = await registrar.AddSecretAsync(objectId, endDateTime, null, ct).ConfigureAwait(false);
            if (oldOnApp && !keepOld) await registrar.RemoveSecretAsync(objectId, oldKeyId!, ct).ConfigureAwait(false);
            rotation.NewKeyId = planned.KeyId;
            rotation.SecretExpires = planned.EndDateTime;
            return rotation;
        }

        progress?.Invoke("Adding a new client secret");
        var added = await registrar.AddSecretAsync(objectId, endDateTime, null, ct).ConfigureAwait(false);
        try
        {
            progress?.Invoke("Proving the new secret: getting a token with it");
            await ProveAsync(settings, added.SecretText ?? "", proofTenant, ct).ConfigureAwait(false);
        }
        catch (OutlookOAuthException)
        {
            try { await registrar.RemoveSecretAsync(objectId, added.KeyId, CancellationToken.None).ConfigureAwait(false); } catch (OutlookOAuthException) { }
            throw;
        }
        progress?.Invoke("Storing the new secret");
        Store(appId, null, added.SecretText, added.KeyId, added.EndDateTime);
        rotation.NewKeyId = added.KeyId;
        rotation.SecretExpires = added.EndDateTime;
        if (oldOnApp && !keepOld)
        {
            progress?.Invoke("Removing the old secret");
            if (grace > TimeSpan.Zero) await _delay(grace, ct).ConfigureAwait(false);
            await registrar.RemoveSecretAsync(objectId, oldKeyId!, ct).ConfigureAwait(false);
            rotation.OldSecretRemoved = true;
        }
        return rotation;
    }

    /// <summary>Client credentials with the new secret at the app's tenant. Entra takes a moment to know a new secret
    /// everywhere, so AADSTS7000215 is retried for up to a minute.</summary>
    async Task ProveAsync(OutlookApplicationSettings settings, string secret, string? proofTenant, CancellationToken ct)
    {
        var proving = settings.Clone();
        var authority = OutlookAuthority.FromSettings(settings);
        if (authority.IsMultiTenant && proofTenant is { Length: > 0 })
            proving.Authority = OutlookAuthority.Parse($"{authority.Root.GetLeftPart(UriPartial.Authority)}/{proofTenant}/").MsalAuthority;
        proving.CertificatePath = null;
        proving.CertificateThumbprint = null;
        var context = new OAuthContext(OutlookAuthority.FromSettings(proving), proving.ClientId, "client_credentials") { Secrets = new[] { secret } };
        for (var attempt = 1; ; attempt++)
        {
            var app = _apps.CreateConfidential(proving, ApplicationCredentials.FromSecret(secret, "new secret"));
            try
            {
                await app.AcquireTokenForClient(new[] { GraphIds.AppOnlyScope }).ExecuteAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (MsalServiceException e) when (attempt < 12 && e.Message.Contains("AADSTS7000215", StringComparison.Ordinal))
            {
                await _delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MsalException or HttpRequestException)
            {
                var mapped = OAuthErrorMap.Map(e, context);
                throw new OAuthException("NewSecretNotProved", $"The new client secret could not be proved ({mapped.Message}); it was removed again and the stored secret is unchanged.",
                    mapped.Hint, mapped.AadstsCode, e);
            }
        }
    }
}
