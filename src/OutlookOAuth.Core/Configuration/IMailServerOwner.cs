namespace OutlookOAuth.Configuration;

/// <summary>The list that indexes a server by name: told when the server is renamed (<see cref="MailServerList{TServer}"/>).</summary>
internal interface IMailServerOwner
{
    void Renamed(MailServer server, string oldName);
}
