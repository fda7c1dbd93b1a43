using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OutlookOAuth.TestAuthority;

/// <summary>Throwaway certificates for the lab, and an HTTP handler that trusts a given CA (validation stays on).</summary>
public static class LabCertificates
{
    static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>An in-memory ECDSA P-256 CA certificate with its private key.</summary>
    public static X509Certificate2 CreateCertificateAuthority(string subject = "CN=OutlookOAuth Lab CA, O=OutlookOAuth Tests")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = req.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        return Reload(ca);
    }

    /// <summary>A server leaf signed by <paramref name="ca"/>: SAN IP 127.0.0.1 + DNS localhost, EKU serverAuth.</summary>
    public static X509Certificate2 CreateServerCertificate(X509Certificate2 ca, string subject = "CN=localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter);
        using var pub = req.Create(ca, now.AddHours(-1), notAfter, serial);
        using var withKey = pub.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>A self-signed RSA 2048 certificate with key, for <c>client_assertion</c> (register its public part).</summary>
    public static X509Certificate2 CreateClientCertificate(string subject = "CN=OutlookOAuth Lab Client")
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth], false));
        var now = DateTimeOffset.UtcNow;
        using var cert = req.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return Reload(cert);
    }

    /// <summary>Loads a certificate and its private key from PEM files (key may sit in the cert file when <paramref name="keyPemPath"/> is null).</summary>
    public static X509Certificate2 LoadPemPair(string certPemPath, string? keyPemPath = null)
    {
        using var cert = X509Certificate2.CreateFromPemFile(certPemPath, keyPemPath);
        return Reload(cert);
    }

    /// <summary>Loads a public certificate from a PEM (or DER) file.</summary>
    public static X509Certificate2 LoadPublicCertificate(string path)
    {
        var text = File.ReadAllText(path);
        return text.Contains("-----BEGIN", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(text)
            : X509CertificateLoader.LoadCertificateFromFile(path);
    }

    public static string ToPem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>
    /// A handler whose TLS validation is the normal one (chain, name, validity), but with
    /// <paramref name="trustedRoot"/> as the only trust anchor (<see cref="X509ChainTrustMode.CustomRootTrust"/>).
    /// </summary>
    public static SocketsHttpHandler CreateTrustingHandler(X509Certificate2 trustedRoot)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(trustedRoot);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
            AllowAutoRedirect = false,
            UseCookies = false,
        };
    }

    /// <summary>Round-trips through PKCS#12 so the key is usable by SslStream on every platform.</summary>
    static X509Certificate2 Reload(X509Certificate2 cert)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12, password), password,
            X509KeyStorageFlags.Exportable);
    }
}
