using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>Loads the application certificate.</summary>
public static class CertificateLoader
{
    public static X509Certificate2 LoadFile(string path, string? password)
    {
        try
        {
            if (path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase))
                return string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password);
            var flags = OperatingSystem.IsMacOS() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
#pragma warning disable SYSLIB0057 // X509CertificateLoader is net9+; this library targets net8.0
            var cert = new X509Certificate2(path, password, flags);
#pragma warning restore SYSLIB0057
            if (!cert.HasPrivateKey)
                throw new OAuthException("CertificateWithoutPrivateKey", $"The certificate '{path}' has no private key.",
                    "Give a PFX/PKCS#12 file (or a PEM file with its key) that contains the private key.");
            return cert;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new OAuthException("CertificateUnreadable", $"The certificate '{path}' cannot be loaded: {e.Message}",
                "Check the path and give its password with Set-OutlookApplication -CertificatePassword.", inner: e);
        }
        catch (IOException e)
        {
            throw new OAuthException("CertificateUnreadable", $"The certificate '{path}' cannot be read: {e.Message}",
                "Check the path given to Set-OutlookApplication -CertificatePath.", inner: e);
        }
    }

    public static X509Certificate2 FindByThumbprint(string thumbprint)
    {
        var t = thumbprint.Replace(" ", "").ToUpperInvariant();
        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            try
            {
                using var store = new X509Store(StoreName.My, location);
                store.Open(OpenFlags.ReadOnly);
                var found = store.Certificates.Find(X509FindType.FindByThumbprint, t, validOnly: false);
                foreach (var c in found)
                    if (c.HasPrivateKey) return c;
            }
            catch (System.Security.Cryptography.CryptographicException) { /* store absent on this platform */ }
        }
        throw new OAuthException("CertificateNotFound", $"No certificate with thumbprint {t} and a private key is in the CurrentUser or LocalMachine 'My' store.",
            "Import the certificate with its private key, or use Set-OutlookApplication -CertificatePath.");
    }
}
