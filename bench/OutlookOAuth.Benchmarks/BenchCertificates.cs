using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Security;

namespace OutlookOAuth.Benchmarks;

/// <summary>A throwaway CA and a 127.0.0.1 server certificate it signed, for the benches' loopback TLS servers.</summary>
static class BenchCertificates
{
    public static (X509Certificate2 Server, CertificateTrust Trust) Create() => CreateWithCa() is var c ? (c.Server, c.Trust) : default;

    /// <summary>The same, with the CA certificate (to hand to another process as PEM).</summary>
    public static (X509Certificate2 Server, CertificateTrust Trust, X509Certificate2 Ca) CreateWithCa()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=bench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return (leaf.CopyWithPrivateKey(key), new CertificateTrust(new X509Certificate2Collection(ca)), ca);
    }
}
