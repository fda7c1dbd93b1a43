using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// Exchange Online's side of app-only access, kept by the lab: which service principal (app id + object id, what
/// <c>New-ServicePrincipal</c> registers) may use which mailbox, and how (<c>FullAccess</c> as
/// <c>Add-MailboxPermission</c> gives it: IMAP and SMTP; <c>SendAsApp</c> as <c>New-ManagementRoleAssignment -Role
/// 'Application SMTP.SendAsApp'</c> gives it: SMTP only). The lab's mail servers ask <c>POST /lab/exchange/check</c>
/// (Dovecot's checkpassword passdb, tests/lab/mail/exchange-app-check.in) whether a token with no user may log in.
/// </summary>
public sealed partial class LabAuthority
{
    /// <summary>A mailbox right of a service principal.</summary>
    public enum MailboxAccess { FullAccess, SendAsApp }

    sealed record MailboxGrant(string AppId, string ObjectId, string Mailbox, MailboxAccess Access);

    readonly List<MailboxGrant> _mailboxGrants = [];

    /// <summary>Object id of the enterprise application (service principal) of an app id: what <c>oid</c> of its
    /// app-only tokens holds and what New-ServicePrincipal -ObjectId must be given.</summary>
    public string ServicePrincipalObjectId(string appId) =>
        IsClient(appId) ? TokenIssuer.ServicePrincipalId
        : ManagedIdentityByClientId(appId)?.PrincipalId ?? TenantServicePrincipalId(appId) ?? "";

    /// <summary>An application registered through the lab's Graph: its enterprise application's id, as its tokens carry it.</summary>
    string? TenantServicePrincipalId(string appId) { lock (Tenant.Gate) return Tenant.ServicePrincipal(appId)?.Id; }

    /// <summary>The object id of the app registration (not of the enterprise application): the id admins paste by mistake.</summary>
    public string ApplicationObjectId => LabTokenIssuer.StableGuid($"app|{TenantId}|{ClientId.ToLowerInvariant()}");

    /// <summary>Grants <paramref name="mailbox"/> to the service principal of <paramref name="appId"/> registered with
    /// <paramref name="objectId"/> (default: the right one). Idempotent.</summary>
    public void GrantMailbox(string appId, string mailbox, MailboxAccess access, string? objectId = null)
    {
        var grant = new MailboxGrant(appId.ToLowerInvariant(), (objectId ?? ServicePrincipalObjectId(appId)).ToLowerInvariant(), mailbox.ToLowerInvariant(), access);
        lock (_mailboxGrants)
            if (!_mailboxGrants.Contains(grant)) _mailboxGrants.Add(grant);
    }

    /// <summary>Removes grants of <paramref name="appId"/> (on <paramref name="mailbox"/> / of <paramref name="access"/> only
    /// when given). Returns how many.</summary>
    public int RevokeMailbox(string appId, string? mailbox = null, MailboxAccess? access = null)
    {
        lock (_mailboxGrants)
            return _mailboxGrants.RemoveAll(g => g.AppId == appId.ToLowerInvariant()
                                                 && (mailbox is null || g.Mailbox == mailbox.ToLowerInvariant())
                                                 && (access is null || g.Access == access));
    }

    /// <summary>Why Exchange would refuse <paramref name="token"/> for <paramref name="mailbox"/> over
    /// <paramref name="service"/> (<c>imap</c> or <c>smtp</c>), or null when it accepts it. Only app-only tokens are
    /// judged here; delegated ones are Dovecot's own business.</summary>
    public string? ExchangeRefusal(string token, string mailbox, string service)
    {
        JsonObject header, payload;
        try { (header, payload) = LabTokenIssuer.Decode(token); }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or ArgumentException) { return "not a JWT"; }
        if (header["typ"]?.ToString() != "JWT" || header["kid"]?.ToString() != KeyId || !TokenIssuer.VerifySignature(token)) return "signature not valid";
        if (payload["iss"]?.ToString() != Issuer) return "wrong issuer";
        var now = Now.ToUnixTimeSeconds();
        if (payload["exp"] is not JsonValue exp || exp.GetValue<long>() <= now) return "token expired";
        if (payload["nbf"] is JsonValue nbf && nbf.GetValue<long>() > now) return "token not yet valid";
        if (payload["upn"] is not null || payload["scp"] is not null) return "not an app-only token";
        if (!LabTokenIssuer.OutlookResources.Contains(payload["aud"]?.ToString() ?? "", StringComparer.OrdinalIgnoreCase)) return "wrong audience";
        var role = service switch { "imap" => "IMAP.AccessAsApp", "smtp" => "SMTP.SendAsApp", _ => null };
        if (role is null) return $"service '{service}' takes no app-only token";
        var roles = payload["roles"] as JsonArray;
        var appId = (payload["appid"]?.ToString() ?? "").ToLowerInvariant();
        var oid = (payload["oid"]?.ToString() ?? "").ToLowerInvariant();
        var box = mailbox.Trim().ToLowerInvariant();
        List<MailboxGrant> grants;
        lock (_mailboxGrants) grants = _mailboxGrants.Where(g => g.AppId == appId).ToList();
        if (grants.Count == 0) return $"no service principal for app {appId} (New-ServicePrincipal)";
        if (!grants.Any(g => g.ObjectId == oid)) return $"service principal of app {appId} registered with another object id than the token's oid {oid}";
        var onBox = grants.Where(g => g.Mailbox == box).ToList();
        var hasRole = roles?.Any(r => string.Equals(r?.ToString(), role, StringComparison.OrdinalIgnoreCase)) ?? false;
        // The RBAC route (New-ManagementRoleAssignment 'Application SMTP.SendAsApp') needs no Entra permission.
        if (service == "smtp" && onBox.Any(g => g.Access == MailboxAccess.SendAsApp)) return null;
        if (!hasRole) return $"token has no {role} role";
        if (!onBox.Any(g => g.Access == MailboxAccess.FullAccess)) return $"mailbox {box} not granted to app {appId}";
        return null;
    }

    void MapExchangeGrants(WebApplication app)
    {
        app.MapPost("/lab/exchange/check", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            var reason = ExchangeRefusal(f.Value("token") ?? "", f.Value("user") ?? "", (f.Value("service") ?? "").ToLowerInvariant());
            if (reason is not null) ctx.Items[ErrorItem] = reason;
            await WriteJson(ctx, reason is null ? 200 : 403, new JsonObject { ["allowed"] = reason is null, ["reason"] = reason });
        });
        app.MapGet("/lab/exchange/grants", ctx =>
        {
            List<MailboxGrant> all;
            lock (_mailboxGrants) all = [.. _mailboxGrants];
            return WriteJson(ctx, 200, new JsonArray(all.Select(g => (JsonNode)new JsonObject
            {
                ["app_id"] = g.AppId, ["object_id"] = g.ObjectId, ["mailbox"] = g.Mailbox, ["access"] = g.Access.ToString(),
            }).ToArray()));
        });
        app.MapPost("/lab/exchange/grants", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            var appId = f.Value("app_id") ?? ClientId;
            var mailbox = f.Value("mailbox");
            if (string.IsNullOrWhiteSpace(mailbox) || !mailbox.Contains('@')) { await LabBadRequest(ctx, "mailbox (an address) is required."); return; }
            if (!Enum.TryParse<MailboxAccess>(f.Value("access") ?? "FullAccess", true, out var access)) { await LabBadRequest(ctx, "access is FullAccess or SendAsApp."); return; }
            if (ServicePrincipalObjectId(appId).Length == 0 && f.Value("object_id") is null) { await LabBadRequest(ctx, $"app_id {appId} is neither the lab app nor a lab managed identity."); return; }
            GrantMailbox(appId, mailbox, access, f.Value("object_id"));
            await WriteJson(ctx, 200, new JsonObject { ["app_id"] = appId, ["mailbox"] = mailbox, ["access"] = access.ToString(), ["granted"] = true });
        });
        app.MapDelete("/lab/exchange/grants", async ctx =>
        {
            var q = ctx.Request.Query;
            var appId = q.Value("app_id") ?? ClientId;
            MailboxAccess? access = null;
            if (q.Value("access") is { } a)
            {
                if (!Enum.TryParse<MailboxAccess>(a, true, out var parsed)) { await LabBadRequest(ctx, "access is FullAccess or SendAsApp."); return; }
                access = parsed;
            }
            var count = RevokeMailbox(appId, q.Value("mailbox"), access);
            await WriteJson(ctx, 200, new JsonObject { ["app_id"] = appId, ["revoked"] = count });
        });
        app.MapGet("/lab/exchange/identities", ctx => WriteJson(ctx, 200, new JsonObject
        {
            ["app_id"] = ClientId,
            ["service_principal_object_id"] = TokenIssuer.ServicePrincipalId,
            ["application_object_id"] = ApplicationObjectId,
            ["managed_identities"] = new JsonArray(ManagedIdentities.Select(m => (JsonNode)new JsonObject
            {
                ["kind"] = m.SystemAssigned ? "SystemAssigned" : "UserAssigned",
                ["client_id"] = m.ClientId, ["principal_id"] = m.PrincipalId, ["resource_id"] = m.ResourceId,
            }).ToArray()),
        }));
    }
}
