namespace OutlookOAuth.Mail.Receiving;

/// <summary>What one <see cref="MailReceiver.Receive"/> call did on one server.</summary>
public sealed record ReceiveSummary(string Server, string Folder, uint UidValidity, int Found, int Delivered, int Failed, int Committed, bool UidValidityChanged);
