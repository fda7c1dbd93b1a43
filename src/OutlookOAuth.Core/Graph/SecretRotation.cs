namespace OutlookOAuth.Graph;

/// <summary>What Update-OutlookApplicationSecret did: the new secret's keyId and expiry (never its value) and whether
/// the old one was removed from Entra.</summary>
public sealed class SecretRotation
{
    public string? AppId { get; set; }
    public string? NewKeyId { get; set; }
    public DateTimeOffset? SecretExpires { get; set; }
    public string? OldKeyId { get; set; }
    public bool OldSecretRemoved { get; set; }
    public string? ConfigPath { get; set; }

    public override string ToString() => $"SecretRotation(appId={AppId}, newKeyId={NewKeyId})";
}
