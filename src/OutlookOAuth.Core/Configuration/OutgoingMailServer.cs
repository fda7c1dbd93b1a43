using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

public sealed class OutgoingMailServer : MailServer
{
    public const string OutlookHost = "smtp.office365.com";
    public const int OutlookPort = 587;

    public override MailServerDirection Direction => MailServerDirection.Outgoing;
    /// <summary>Comma-separated addresses and/or domains; empty matches every sender.</summary>
    public string FromFilter { get; set; } = "";
    public SmtpEncryption Encryption { get; set; } = SmtpEncryption.StartTls;
    public ServerAuthentication Authentication { get; set; } = ServerAuthentication.Outlook;
    /// <summary>Lower wins when several servers match.</summary>
    public int Sequence { get; set; } = 10;
    public override bool UsesOutlookOAuth => Authentication == ServerAuthentication.Outlook;

    public new OutgoingMailServer Clone() => Copy<OutgoingMailServer>();
}
