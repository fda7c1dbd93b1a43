namespace OutlookOAuth.Mail.Receiving;

/// <summary>What one <see cref="MailReceiver.Receive"/> call did on one server. <see cref="Moved"/>: processed messages
/// were moved (-MoveTo) as well as marked read.</summary>
public sealed record ReceiveSummary(string Server, string Folder, uint UidValidity, int Found, int Delivered, int Failed, int Committed,
    bool UidValidityChanged, bool Moved = false)
{
    /// <summary>What the admin should know when the folder was rebuilt on the server meanwhile (null otherwise).</summary>
    public string? Warning => UidValidityChanged
        ? $"The folder '{Folder}' of '{Server}' was rebuilt on the server (UIDVALIDITY changed) while receiving; " +
          "messages not yet marked read stay unread and come again next time."
        : null;

    /// <summary>"[server] 3 of 5 messages received, 3 marked read, 0 failed." (the verbose line of the receive).</summary>
    public override string ToString() =>
        $"[{Server}] {Delivered} of {Found} messages received, {Committed} marked read{(Moved ? " and moved" : "")}, {Failed} failed.";
}
