using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Security;

namespace OutlookOAuth.Tests.Mail;

/// <summary>Throwaway certificates for the socket fixtures: a CA, a server certificate it issued for
/// 127.0.0.1/localhost, one it issued for another name, and a self-signed one nobody trusts.</summary>
public static class TestCertificates
{
    static readonly Lazy<X509Certificate2> LazyCa = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=OutlookOAuth mail test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    });

    static readonly Lazy<X509Certificate2> LazyLoopback = new(() => Issue("CN=localhost", true, LazyCa.Value));
    static readonly Lazy<X509Certificate2> LazyOtherName = new(() => Issue("CN=mail.other.invalid", false, LazyCa.Value));
    static readonly Lazy<X509Certificate2> LazySelfSigned = new(() => Issue("CN=localhost", true, null));

    public static X509Certificate2 Ca => LazyCa.Value;
    /// <summary>Issued by <see cref="Ca"/> for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 Loopback => LazyLoopback.Value;
    /// <summary>Issued by <see cref="Ca"/> for mail.other.invalid only.</summary>
    public static X509Certificate2 OtherName => LazyOtherName.Value;
    /// <summary>Self-signed for 127.0.0.1: valid names, untrusted chain.</summary>
    public static X509Certificate2 SelfSigned => LazySelfSigned.Value;

    /// <summary>System roots plus the test CA.</summary>
    public static CertificateTrust Trust => new(new X509Certificate2Collection(Ca));

    static X509Certificate2 Issue(string subject, bool loopback, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (loopback)
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        }
        else san.AddDnsName("mail.other.invalid");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var notBefore = DateTimeOffset.UtcNow.AddHours(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(6);
        if (issuer is null) return request.CreateSelfSigned(notBefore, notAfter);
        var serial = RandomNumberGenerator.GetBytes(12);
        using var cert = request.Create(issuer, notBefore, notAfter, serial);
        return cert.CopyWithPrivateKey(key);
    }
}
