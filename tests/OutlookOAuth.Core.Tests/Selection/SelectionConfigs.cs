using OutlookOAuth.Configuration;

namespace OutlookOAuth.Tests.Selection;

/// <summary>Builds in-memory configurations for the selection and doctor tests.</summary>
internal static class SelectionConfigs
{
    public static OutgoingMailServer Out(string name, string filter, int sequence = 10, bool active = true,
        string? username = null, ServerAuthentication auth = ServerAuthentication.Outlook) => new()
    {
        Name = name,
        Username = username ?? (filter.Contains('@') && !filter.Contains(',') ? filter : $"{name}@example.com"),
        HostName = OutgoingMailServer.OutlookHost,
        Port = auth == ServerAuthentication.Outlook ? OutgoingMailServer.OutlookPort : 465, // a relay on implicit TLS
        FromFilter = filter,
        Sequence = sequence,
        Active = active,
        Authentication = auth,
        Encryption = auth == ServerAuthentication.Outlook ? SmtpEncryption.StartTls : SmtpEncryption.Ssl,
    };

    public static IncomingMailServer In(string name, string username, bool ssl = true, bool active = true, int priority = 5) => new()
    {
        Name = name, Username = username, HostName = IncomingMailServer.OutlookHost, Port = IncomingMailServer.OutlookPort,
        Ssl = ssl, Active = active, Priority = priority,
    };

    public static OutlookConfiguration Config(IEnumerable<OutgoingMailServer> servers, params (string Key, string Value)[] parameters)
    {
        var c = new OutlookConfiguration();
        c.OutgoingServers.AddRange(servers);
        foreach (var (k, v) in parameters) c.Parameters[k] = v;
        return c;
    }

    public static readonly (string, string)[] ExampleParameters =
        [(SystemParameters.CatchallDomain, "example.com"), (SystemParameters.DefaultFrom, "notifications")];

    /// <summary>azure_oauth.rst "single server": username = FROM filter = notifications@example.com.</summary>
    public static OutlookConfiguration SingleServer() =>
        Config([Out("notifications", "notifications@example.com")], ExampleParameters);

    /// <summary>azure_oauth.rst "multi user": one server per user plus the notifications fallback.</summary>
    public static OutlookConfiguration PerUser()
    {
        var c = Config([
            Out("john", "john@example.com"),
            Out("jane", "jane@example.com"),
            Out("notifications", "notifications@example.com", sequence: 20),
        ], ExampleParameters);
        c.IncomingServers.Add(In("catchall", "catchall@example.com"));
        return c;
    }
}
