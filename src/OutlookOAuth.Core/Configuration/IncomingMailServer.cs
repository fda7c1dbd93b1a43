using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

public sealed class IncomingMailServer : MailServer
{
    public const string OutlookHost = "outlook.office365.com";
    public const int OutlookPort = 993;

    public override MailServerDirection Direction => MailServerDirection.Incoming;
    public bool Ssl { get; set; } = true;
    /// <summary>Lower runs first.</summary>
    public int Priority { get; set; } = 5;
    public override bool UsesOutlookOAuth => true;

    public new IncomingMailServer Clone() => Copy<IncomingMailServer>();
}
