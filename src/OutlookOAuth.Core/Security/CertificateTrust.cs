using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OutlookOAuth.Security;

/// <summary>
/// Server-certificate validation for every TLS connection the module makes (the OAuth authority over
/// HTTPS, SMTP and IMAP). The system roots are always trusted; the certificates of the PEM bundle named
/// by <c>OUTLOOKOAUTH_CA_FILE</c> (or given explicitly) are trusted in addition. Validation is never
/// turned off: a name mismatch or a missing certificate always fails.
/// </summary>
public sealed class CertificateTrust
{
    public const string CaFileVariable = "OUTLOOKOAUTH_CA_FILE";

    readonly X509Certificate2Collection _extraRoots;

    public CertificateTrust(X509Certificate2Collection? extraRoots = null) =>
        _extraRoots = extraRoots ?? new X509Certificate2Collection();

    /// <summary>Trust from <c>$env:OUTLOOKOAUTH_CA_FILE</c> (system roots only when unset).</summary>
    public static CertificateTrust FromEnvironment()
    {
        var file = Environment.GetEnvironmentVariable(CaFileVariable);
        return string.IsNullOrWhiteSpace(file) ? new CertificateTrust() : FromPemFile(file);
    }

    public static CertificateTrust FromPemFile(string path)
    {
        var roots = new X509Certificate2Collection();
        try { roots.ImportFromPemFile(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw CaFileInvalid($"Cannot read the CA bundle '{path}' ({CaFileVariable}): {e.Message}", e);
        }
        if (roots.Count == 0)
            throw CaFileInvalid($"The CA bundle '{path}' ({CaFileVariable}) holds no PEM certificate.");
        return new CertificateTrust(roots);
    }

    static OutlookOAuthException CaFileInvalid(string message, Exception? inner = null) =>
        new("CaFileInvalid", FailureKind.InvalidArgument, message,
            $"Point ${{env:{CaFileVariable}}} at a readable PEM file of CA certificates, or remove the variable to trust only the system roots.", inner)
        { Target = CaFileVariable };

    public int ExtraRootCount => _extraRoots.Count;

    /// <summary>Validates a server certificate; <paramref name="reason"/> says why it is refused.</summary>
    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string? reason)
    {
        reason = null;
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            reason = "the server sent no certificate";
            return false;
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reason = "the certificate does not name this host (name mismatch)";
            return false;
        }
        // Only chain errors remain: retry with the extra roots as trust anchors.
        if (_extraRoots.Count > 0)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements.Skip(1))
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            using var leaf = new X509Certificate2(certificate);
            if (custom.Build(leaf)) return true;
            reason = "the certificate chain is not trusted: " + Describe(custom);
            return false;
        }
        reason = "the certificate chain is not trusted: " + (chain is null ? errors.ToString() : Describe(chain)) +
                 $" (set {CaFileVariable} to a PEM bundle of the issuing CA to trust a private CA)";
        return false;
    }

    /// <summary>A callback for <see cref="SslStream"/> and <see cref="System.Net.Http.HttpClientHandler"/>.</summary>
    public bool Callback(object? sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Validate(certificate, chain, errors, out _);

    static string Describe(X509Chain chain)
    {
        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToArray();
        return statuses.Length == 0 ? "unknown chain error" : string.Join(", ", statuses);
    }
}
