using System.Security.Cryptography;
using System.Text;
using OutlookOAuth.TestAuthority;
using Xunit;

namespace OutlookOAuth.Tests.Authority;

/// <summary>The minted access token is the shape Dovecot 2.3.19.1 validates locally, and the forging hooks work.</summary>
public sealed class LabTokenIssuerTests
{
    static readonly RSA Key = RSA.Create(2048);
    readonly LabTokenIssuer _issuer = new(Key);

    static string Segment(string jwt, int i) => Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[i]));

    [Fact]
    public void Mint_DelegatedToken_HasDovecotShape()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var jwt = _issuer.Mint("alice@example.com", ["https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access", "openid"]);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal("""{"typ":"JWT","alg":"RS256","kid":"lab-rs256"}""", Segment(jwt, 0));
        var (_, p) = LabTokenIssuer.Decode(jwt);
        Assert.Equal("SMTP.Send IMAP.AccessAsUser.All", p["scp"]!.ToString());
        Assert.Equal(p["scp"]!.ToString(), p["scope"]!.ToString());
        foreach (var claim in new[] { "upn", "preferred_username", "unique_name", "email" })
            Assert.Equal("alice@example.com", p[claim]!.ToString());
        Assert.Equal(LabTokenIssuer.DelegatedAudience, p["aud"]!.ToString());
        Assert.Equal(LabAuthorityOptions.DefaultIssuer, p["iss"]!.ToString());
        Assert.Equal(LabAuthorityOptions.DefaultClientId, p["azp"]!.ToString());
        Assert.Equal(LabAuthorityOptions.DefaultClientId, p["appid"]!.ToString());
        Assert.Equal(LabAuthorityOptions.DefaultTenantId, p["tid"]!.ToString());
        Assert.Equal(_issuer.ObjectId("ALICE@example.com"), p["oid"]!.ToString());
        Assert.False(string.IsNullOrEmpty(p["sub"]!.ToString()));
        Assert.Equal("1.0", p["ver"]!.ToString());
        var iat = p["iat"]!.GetValue<long>(); // numbers, never ahead of now (Dovecot has no leeway)
        Assert.InRange(iat, before, after);
        Assert.Equal(iat, p["nbf"]!.GetValue<long>());
        Assert.Equal(iat + 3600, p["exp"]!.GetValue<long>());
        Assert.True(_issuer.VerifySignature(jwt));
        Assert.True(Key.VerifyData(Encoding.ASCII.GetBytes(jwt[..jwt.LastIndexOf('.')]),
            System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Contains("BEGIN PUBLIC KEY", _issuer.PublicKeyPem);
    }

    [Fact]
    public void Mint_ForgingHooks()
    {
        using var other = RSA.Create(2048);
        Assert.False(_issuer.VerifySignature(_issuer.Mint("alice@example.com", ["SMTP.Send"], signWith: other)));

        var expired = LabTokenIssuer.Decode(_issuer.Mint("alice@example.com", ["SMTP.Send"], TimeSpan.FromMinutes(-5))).Payload;
        Assert.True(expired["exp"]!.GetValue<long>() < DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.True(expired["iat"]!.GetValue<long>() < expired["exp"]!.GetValue<long>());

        var noScope = _issuer.Mint("bob@example.com", ["IMAP.AccessAsUser.All"], editPayload: p => { p.Remove("scope"); p["upn"] = "mallory@example.com"; });
        var (_, payload) = LabTokenIssuer.Decode(noScope);
        Assert.Null(payload["scope"]);
        Assert.Equal("mallory@example.com", payload["upn"]!.ToString());
        Assert.Equal("IMAP.AccessAsUser.All", payload["scp"]!.ToString());
        Assert.True(_issuer.VerifySignature(noScope)); // edits happen before signing

        var header = Segment(_issuer.Mint("alice@example.com", ["SMTP.Send"], editHeader: h => h["typ"] = "at+jwt"), 0);
        Assert.Equal("""{"typ":"at+jwt","alg":"RS256","kid":"lab-rs256"}""", header);
    }

    [Fact]
    public void MintApp_And_ClientInfo()
    {
        var (_, p) = LabTokenIssuer.Decode(_issuer.MintApp());
        Assert.Equal(LabTokenIssuer.AppAudience, p["aud"]!.ToString());
        Assert.Equal(["SMTP.SendAsApp", "IMAP.AccessAsApp"], p["roles"]!.AsArray().Select(r => r!.ToString()));
        Assert.Null(p["upn"]);
        Assert.Null(p["scope"]);

        var info = System.Text.Json.Nodes.JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(_issuer.ClientInfo("bob@example.com")))!;
        Assert.Equal(_issuer.ObjectId("bob@example.com"), info["uid"]!.ToString());
        Assert.Equal(LabAuthorityOptions.DefaultTenantId, info["utid"]!.ToString());
        Assert.NotEqual(_issuer.ObjectId("alice@example.com"), _issuer.ObjectId("bob@example.com"));
    }
}
