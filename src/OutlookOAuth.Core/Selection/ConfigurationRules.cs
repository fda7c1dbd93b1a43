using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>Stable ids of the configuration checks (docs/configuration-checks.md).</summary>
public static class ConfigurationRules
{
    public const string NoActiveOutgoingServer = "OOC001";
    public const string NoNotificationsAddress = "OOC002";
    public const string NotificationsAddressNotAccepted = "OOC003";
    public const string OutlookFilterWithoutUsername = "OOC004";
    public const string OutlookFilterWithDomain = "OOC005";
    public const string OutlookFilterWithOtherAddress = "OOC006";
    public const string ShadowedFilterEntry = "OOC007";
    public const string CatchallDomainNotCovered = "OOC008";
    public const string UnknownAddressDomain = "OOC009";
    public const string IncomingWithoutSsl = "OOC010";
    public const string DuplicateIncomingUsername = "OOC011";
    public const string InvalidParameter = "OOC012";
    public const string InvalidServer = "OOC013";
    public const string PortEncryptionMismatch = "OOC014";
    public const string WildcardFilterEntry = "OOC015";
    public const string UsernameTrailingDot = "OOC016";
    public const string MailboxSpelledTwice = "OOC017";
    public const string PasswordServerWithoutPassword = "OOC018";
    public const string ParameterNeverRead = "OOC019";
    /// <summary>The client secret expires within 30 days (Warning) or has expired (Error).</summary>
    public const string ClientSecretExpiry = "OOC020";
}
