using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>The resolved credential of the application: the client secret (from
/// <c>ClientSecretEnvironmentVariable</c> when set, else the token store) or the certificate (file +
/// stored password, or thumbprint in the current user's / machine's My store).
/// Never printed: <see cref="ToString"/> names only the kind and source.</summary>
public sealed class ApplicationCredentials
{
    ApplicationCredentials(ClientCredentialKind kind, string source, string? secret, X509Certificate2? certificate)
    {
        Kind = kind;
        Source = source;
        Secret = secret;
        Certificate = certificate;
    }

    public ClientCredentialKind Kind { get; }
    /// <summary>Where it came from, e.g. "token store", "environment variable NAME", "certificate file path".</summary>
    public string Source { get; }
    internal string? Secret { get; }
    internal X509Certificate2? Certificate { get; }

    public static readonly ApplicationCredentials None = new(ClientCredentialKind.None, "none", null, null);

    public static ApplicationCredentials FromSecret(string secret, string source) => new(ClientCredentialKind.Secret, source, secret, null);
    public static ApplicationCredentials FromCertificate(X509Certificate2 certificate, string source) => new(ClientCredentialKind.Certificate, source, null, certificate);

    /// <summary>Resolves the credential of the settings. A certificate wins over a secret when both exist.</summary>
    /// <exception cref="OAuthException">the environment variable is named but empty, or the certificate cannot be loaded.</exception>
    public static ApplicationCredentials Resolve(OutlookApplicationSettings settings, TokenStore store, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            var password = store.GetSecret(TokenStore.CertificatePasswordName);
            return FromCertificate(CertificateLoader.LoadFile(settings.CertificatePath, password), $"certificate file {settings.CertificatePath}");
        }
        if (!string.IsNullOrWhiteSpace(settings.CertificateThumbprint))
            return FromCertificate(CertificateLoader.FindByThumbprint(settings.CertificateThumbprint), $"certificate {settings.CertificateThumbprint}");
        if (!string.IsNullOrWhiteSpace(settings.ClientSecretEnvironmentVariable))
        {
            var value = getEnvironment(settings.ClientSecretEnvironmentVariable);
            if (string.IsNullOrEmpty(value))
                throw new OAuthException("ClientSecretEnvironmentEmpty",
                    $"The client secret is read from the environment variable '{settings.ClientSecretEnvironmentVariable}', which is not set in this session.",
                    $"Set ${"env:"}{settings.ClientSecretEnvironmentVariable} before running (for example from the runbook's encrypted variable), or store the secret with Set-OutlookApplication -ClientSecret.");
            return FromSecret(value, $"environment variable {settings.ClientSecretEnvironmentVariable}");
        }
        var stored = store.GetSecret(TokenStore.ClientSecretName);
        return stored is null ? None : FromSecret(stored, "token store");
    }

    public override string ToString() => $"{Kind} ({Source})";
}
