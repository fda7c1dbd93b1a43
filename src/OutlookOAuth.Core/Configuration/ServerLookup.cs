namespace OutlookOAuth.Configuration;

public static class ServerLookup
{
    /// <summary>The direction of the server named <paramref name="name"/>: the given one, else the only direction
    /// that has a server of that name.</summary>
    public static MailServerDirection ResolveDirection(OutlookConfiguration config, string name, MailServerDirection? given)
    {
        if (given is not null) return given.Value;
        var outgoing = config.Find(name, MailServerDirection.Outgoing) is not null;
        var incoming = config.Find(name, MailServerDirection.Incoming) is not null;
        if (outgoing && incoming)
            throw new ConfigurationValidationException("AmbiguousServerName", "Direction",
                $"Both an outgoing and an incoming server are named '{name}'; add -Direction Outgoing or -Direction Incoming.");
        if (!outgoing && !incoming)
            throw new ConfigurationValidationException("ServerNotFound", "Name", $"No server named '{name}' exists in the configuration.");
        return outgoing ? MailServerDirection.Outgoing : MailServerDirection.Incoming;
    }
}
