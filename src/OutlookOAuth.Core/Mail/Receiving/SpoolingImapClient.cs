using MailKit;
using MailKit.Net.Imap;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>An <see cref="ImapClient"/> whose folders write a fetched body literal to a file in <see cref="SpoolDirectory"/>
/// instead of memory (MailKit's default keeps every fetched body whole in memory until the callback has read it).</summary>
sealed class SpoolingImapClient : ImapClient
{
    public SpoolingImapClient() { }

    public SpoolingImapClient(IProtocolLogger protocolLogger) : base(protocolLogger) { }

    /// <summary>An owner-only folder for the body literals being read; null keeps them in memory.</summary>
    public string? SpoolDirectory { get; set; }

    protected override ImapFolder CreateImapFolder(ImapFolderConstructorArgs args) => new SpoolingImapFolder(args, this);
}
