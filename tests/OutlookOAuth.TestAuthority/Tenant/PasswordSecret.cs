namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>A client secret of an application (Graph's passwordCredential). <see cref="Value"/> never leaves through Graph after addPassword.</summary>
public sealed class PasswordSecret(string keyId, string value, string? displayName, DateTimeOffset start, DateTimeOffset end)
{
    public string KeyId { get; } = keyId;
    public string Value { get; } = value;
    public string? DisplayName { get; } = displayName;
    public DateTimeOffset StartDateTime { get; } = start;
    public DateTimeOffset EndDateTime { get; set; } = end;
    public string Hint => Value[..3];
}
