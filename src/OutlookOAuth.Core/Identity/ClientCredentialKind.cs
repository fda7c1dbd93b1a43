using System.Security.Cryptography.X509Certificates;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Identity;

/// <summary>How the application proves itself to the authority.</summary>
public enum ClientCredentialKind { None, Secret, Certificate, ManagedIdentity }
