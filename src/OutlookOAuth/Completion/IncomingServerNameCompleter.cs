using OutlookOAuth.Configuration;

namespace OutlookOAuth.Completion;

/// <summary>Completes -Name with the incoming (IMAP) server names only (Receive-OutlookMail).</summary>
internal sealed class IncomingServerNameCompleter : ServerNameCompleter
{
    protected override MailServerDirection? Only => MailServerDirection.Incoming;
}
