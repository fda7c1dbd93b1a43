namespace OutlookOAuth.Mail.Receiving;

/// <summary>How far <see cref="MailReceiver.Receive"/> is on one server.</summary>
public readonly record struct ReceiveProgress(string Server, string Folder, int Done, int Total, int Committed);
