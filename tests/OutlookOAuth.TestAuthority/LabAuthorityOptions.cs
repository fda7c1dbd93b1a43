using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OutlookOAuth.TestAuthority;

/// <summary>Configuration of a <see cref="LabAuthority"/>. Everything has a usable default.</summary>
public sealed class LabAuthorityOptions
{
    public const string DefaultIssuer = "https://sts.lab.outlookoauth.invalid/";
    public const string DefaultTenantId = "7a1d4c52-3e8f-4b0a-9c6d-2f5e8a1b3c4d";
    public const string DefaultClientId = "3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f";
    public const string DefaultKeyId = "lab-rs256";

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (see <see cref="LabAuthority.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>Server certificate with private key. Null: a throwaway CA and leaf are made in memory.</summary>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>Token signing key (RS256). Null: a 2048-bit key is generated.</summary>
    public RSA? SigningKey { get; set; }
    public string KeyId { get; set; } = DefaultKeyId;

    /// <summary><c>iss</c> of access tokens (what Dovecot's <c>issuers</c> setting must list).</summary>
    public string Issuer { get; set; } = DefaultIssuer;
    public string TenantId { get; set; } = DefaultTenantId;
    public string ClientId { get; set; } = DefaultClientId;

    /// <summary>Client secret. Null: a random one (read it back from <see cref="LabAuthority.ClientSecret"/>).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Public certificate registered on the app, accepted for <c>client_assertion</c>.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Entra's "Allow public client flows": token requests without client credentials.</summary>
    public bool AllowPublicClientFlows { get; set; } = true;

    /// <summary>Registered redirect URIs. Empty: any absolute URI is accepted.</summary>
    public IList<string> RedirectUris { get; set; } = new List<string>();

    public IList<string> Users { get; set; } = new List<string> { "alice@example.com", "bob@example.com" };

    /// <summary>The one password of every user. Null: a random one.</summary>
    public string? Password { get; set; }

    /// <summary>Delegated Outlook scopes the app is consented for (short names).</summary>
    public IList<string> DelegatedScopes { get; set; } = new List<string> { "SMTP.Send", "IMAP.AccessAsUser.All", "POP.AccessAsUser.All" };

    /// <summary>Application roles put in app-only tokens.</summary>
    public IList<string> AppRoles { get; set; } = new List<string> { "SMTP.SendAsApp", "IMAP.AccessAsApp" };

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan RefreshTokenIdleLifetime { get; set; } = TimeSpan.FromDays(90);
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Device-code polling interval in seconds (always sent; Entra uses 5).</summary>
    public int DeviceCodeInterval { get; set; } = 1;

    /// <summary>Clock for codes, token lifetimes and expiry checks.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Receives one line per request (no secrets, tokens, codes or passwords).</summary>
    public Action<string>? Log { get; set; }
}
