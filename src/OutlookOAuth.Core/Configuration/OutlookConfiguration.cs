namespace OutlookOAuth.Configuration;

/// <summary>The whole configuration file (schema v1).</summary>
public sealed class OutlookConfiguration
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;
    public OutlookApplicationSettings Application { get; set; } = new();
    /// <summary>System parameters such as mail.default.from; saved sorted by key.</summary>
    public SortedDictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);
    public MailServerList<OutgoingMailServer> OutgoingServers { get; } = new();
    public MailServerList<IncomingMailServer> IncomingServers { get; } = new();

    public IEnumerable<MailServer> AllServers =>
        OutgoingServers.Cast<MailServer>().Concat(IncomingServers);

    public IEnumerable<MailServer> Servers(MailServerDirection direction) =>
        direction == MailServerDirection.Outgoing ? OutgoingServers : IncomingServers;

    /// <summary>The server of that name (case-insensitive) and direction, or null: an index lookup.</summary>
    public MailServer? Find(string name, MailServerDirection direction) =>
        direction == MailServerDirection.Outgoing ? OutgoingServers.Find(name) : IncomingServers.Find(name);

    public string? GetParameter(string key) => Parameters.TryGetValue(key, out var v) ? v : null;
}
