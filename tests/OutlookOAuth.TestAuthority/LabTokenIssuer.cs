using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// Mints Entra-shaped v1.0 access tokens for Outlook (RS256, header <c>{"typ":"JWT","alg":"RS256","kid":..}</c>),
/// id_tokens and client_info. Used by <see cref="LabAuthority"/> and directly by tests that need forged tokens.
/// </summary>
public sealed class LabTokenIssuer
{
    public const string DelegatedAudience = "https://outlook.office.com";
    public const string AppAudience = "https://outlook.office365.com";
    public static readonly IReadOnlyList<string> OutlookResources = [DelegatedAudience, AppAudience];
    static readonly HashSet<string> OidcScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "offline_access", "email" };
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public LabTokenIssuer(RSA signingKey, string keyId = LabAuthorityOptions.DefaultKeyId, string issuer = LabAuthorityOptions.DefaultIssuer,
        string tenantId = LabAuthorityOptions.DefaultTenantId, string clientId = LabAuthorityOptions.DefaultClientId, TimeProvider? clock = null)
    {
        SigningKey = signingKey;
        KeyId = keyId;
        Issuer = issuer;
        TenantId = tenantId;
        ClientId = clientId;
        Clock = clock ?? TimeProvider.System;
    }

    public RSA SigningKey { get; }
    public string KeyId { get; }
    public string Issuer { get; }
    public string TenantId { get; }
    public string ClientId { get; }
    public TimeProvider Clock { get; }

    /// <summary>Lifetime used when <c>Mint</c> gets none.</summary>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Application roles of app-only tokens.</summary>
    public IReadOnlyList<string> AppRoles { get; set; } = ["SMTP.SendAsApp", "IMAP.AccessAsApp"];

    /// <summary>SubjectPublicKeyInfo PEM of the signing key (what Dovecot's key dict file holds).</summary>
    public string PublicKeyPem => SigningKey.ExportSubjectPublicKeyInfoPem();

    /// <summary>
    /// A delegated access token for <paramref name="user"/>. Scopes may be short (<c>SMTP.Send</c>) or full
    /// (<c>https://outlook.office.com/SMTP.Send</c>; the first resource found becomes <c>aud</c>, default
    /// <see cref="DelegatedAudience"/>); <c>openid profile offline_access email</c> are dropped. <c>scp</c> and
    /// <c>scope</c> carry the same space-separated short names. A negative <paramref name="lifetime"/> gives an
    /// already expired token. The edit hooks run last, before signing; <paramref name="signWith"/> replaces the key.
    /// </summary>
    public string Mint(string user, IEnumerable<string> scopes, TimeSpan? lifetime = null, Action<JsonObject>? editPayload = null,
        Action<JsonObject>? editHeader = null, RSA? signWith = null)
    {
        var (resource, names) = SplitScopes(scopes);
        var (iat, exp) = Times(lifetime);
        var oid = ObjectId(user);
        var payload = new JsonObject
        {
            ["aud"] = resource ?? DelegatedAudience,
            ["iss"] = Issuer,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = exp,
            ["sub"] = PairwiseSubject(oid),
            ["oid"] = oid,
            ["tid"] = TenantId,
            ["upn"] = user,
            ["unique_name"] = user,
            ["preferred_username"] = user,
            ["email"] = user,
            ["name"] = DisplayName(user),
            ["azp"] = ClientId,
            ["appid"] = ClientId,
            ["appidacr"] = "1",
            ["idtyp"] = "user",
            ["uti"] = B64(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = "1.0",
        };
        if (names.Count > 0)
        {
            payload["scp"] = string.Join(' ', names);
            payload["scope"] = string.Join(' ', names);
        }
        return Sign(payload, editPayload, editHeader, signWith);
    }

    /// <summary>An app-only access token (<c>roles</c>, no user claims), as the client-credentials grant returns.</summary>
    public string MintApp(IEnumerable<string>? roles = null, string audience = AppAudience, TimeSpan? lifetime = null,
        Action<JsonObject>? editPayload = null, Action<JsonObject>? editHeader = null, RSA? signWith = null)
    {
        var (iat, exp) = Times(lifetime);
        var spId = ServicePrincipalId;
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iss"] = Issuer,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = exp,
            ["sub"] = spId,
            ["oid"] = spId,
            ["tid"] = TenantId,
            ["azp"] = ClientId,
            ["appid"] = ClientId,
            ["appidacr"] = "1",
            ["idtyp"] = "app",
            ["roles"] = new JsonArray((roles ?? AppRoles).Select(r => (JsonNode)JsonValue.Create(r)!).ToArray()),
            ["uti"] = B64(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = "1.0",
        };
        return Sign(payload, editPayload, editHeader, signWith);
    }

    /// <summary>An id_token for <paramref name="audience"/> (the client id) issued by <paramref name="idTokenIssuer"/>.</summary>
    public string MintIdToken(string user, string audience, string idTokenIssuer, string? nonce = null)
    {
        var (iat, exp) = Times(TimeSpan.FromHours(1));
        var oid = ObjectId(user);
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iss"] = idTokenIssuer,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = exp,
            ["name"] = DisplayName(user),
            ["oid"] = oid,
            ["preferred_username"] = user,
            ["sub"] = PairwiseSubject(oid),
            ["tid"] = TenantId,
            ["ver"] = "2.0",
        };
        if (nonce is not null) payload["nonce"] = nonce;
        return Sign(payload, null, null, null);
    }

    /// <summary>base64url (unpadded) of <c>{"uid":"&lt;oid&gt;","utid":"&lt;tenant&gt;"}</c>; the same for a user every time.</summary>
    public string ClientInfo(string user) =>
        B64(Encoding.UTF8.GetBytes(new JsonObject { ["uid"] = ObjectId(user), ["utid"] = TenantId }.ToJsonString(Json)));

    /// <summary>The user's object id: a GUID derived from tenant and lower-cased UPN (stable across restarts).</summary>
    public string ObjectId(string user) => StableGuid($"user|{TenantId}|{user.ToLowerInvariant()}");

    /// <summary>Object id of the app's service principal (<c>oid</c>/<c>sub</c> of app-only tokens).</summary>
    public string ServicePrincipalId => StableGuid($"sp|{TenantId}|{ClientId.ToLowerInvariant()}");

    /// <summary>JWKS with the signing key.</summary>
    public JsonObject Jwks()
    {
        var p = SigningKey.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = KeyId, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!),
            }),
        };
    }

    /// <summary>Signs <paramref name="payload"/> with RS256 under <paramref name="header"/>; returns the compact JWT.</summary>
    public static string Encode(JsonObject header, JsonObject payload, RSA key)
    {
        var input = $"{B64(Encoding.UTF8.GetBytes(header.ToJsonString(Json)))}.{B64(Encoding.UTF8.GetBytes(payload.ToJsonString(Json)))}";
        var sig = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + B64(sig);
    }

    /// <summary>Header and payload of a compact JWT, without any check.</summary>
    public static (JsonObject Header, JsonObject Payload) Decode(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3) throw new FormatException("A compact JWT has three parts.");
        return (JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!.AsObject(), JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject());
    }

    /// <summary>True when <paramref name="jwt"/> is RS256 and its signature verifies with this issuer's key.</summary>
    public bool VerifySignature(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3 || Decode(jwt).Header["alg"]?.GetValue<string>() != "RS256") return false;
        return SigningKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>Splits Outlook scopes into (resource of the first full scope, short names). OIDC scopes are dropped.</summary>
    public static (string? Resource, List<string> Names) SplitScopes(IEnumerable<string> scopes)
    {
        string? resource = null;
        var names = new List<string>();
        foreach (var s in scopes.SelectMany(x => x.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (OidcScopes.Contains(s)) continue;
            var slash = s.LastIndexOf('/');
            var name = s;
            if (slash > 0 && s.Contains("://", StringComparison.Ordinal))
            {
                resource ??= s[..slash];
                name = s[(slash + 1)..];
            }
            if (name.Length > 0 && !names.Contains(name, StringComparer.OrdinalIgnoreCase)) names.Add(name);
        }
        return (resource, names);
    }

    internal static string B64(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    internal static string DisplayName(string user)
    {
        var local = user.Split('@')[0];
        return local.Length == 0 ? user : char.ToUpperInvariant(local[0]) + local[1..];
    }

    string PairwiseSubject(string oid) =>
        B64(SHA256.HashData(Encoding.UTF8.GetBytes($"{oid}|{ClientId.ToLowerInvariant()}")));

    internal static string StableGuid(string seed) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16)).ToString();

    (long Iat, long Exp) Times(TimeSpan? lifetime)
    {
        var now = Clock.GetUtcNow().ToUnixTimeSeconds(); // whole seconds, never in the future (Dovecot has no leeway)
        var life = (long)(lifetime ?? DefaultLifetime).TotalSeconds;
        var exp = now + life;
        return (life < 0 ? exp - 3600 : now, exp);
    }

    string Sign(JsonObject payload, Action<JsonObject>? editPayload, Action<JsonObject>? editHeader, RSA? signWith)
    {
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = KeyId };
        editHeader?.Invoke(header);
        editPayload?.Invoke(payload);
        return Encode(header, payload, signWith ?? SigningKey);
    }
}
