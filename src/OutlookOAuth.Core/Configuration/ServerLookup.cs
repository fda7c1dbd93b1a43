namespace OutlookOAuth.Configuration;

/// <summary>Finding a server by the name an admin typed.</summary>
public static class ServerLookup
{
    /// <summary>The fix for a server name that matches nothing.</summary>
    public const string NotFoundHint = "Check the name with Get-OutlookMailServer (Tab completes -Name with the servers of the file), and the -ConfigPath.";

    /// <summary>The ServerNotFound failure, the same wherever a name matches nothing: "No [outgoing|incoming] server named
    /// 'x' exists in 'file'" (or "in the configuration" when the file is not known).</summary>
    public static ConfigurationValidationException NotFound(string name, MailServerDirection? direction = null, string? configPath = null) =>
        new("ServerNotFound", nameof(MailServer.Name),
            $"No {(direction is null ? "" : direction.ToString()!.ToLowerInvariant() + " ")}server named '{name}' exists in {(configPath is null ? "the configuration" : $"'{configPath}'")}.",
            NotFoundHint, FailureKind.NotFound);

    /// <summary>The direction of the server named <paramref name="name"/>: the given one, else the only direction
    /// that has a server of that name.</summary>
    public static MailServerDirection ResolveDirection(OutlookConfiguration config, string name, MailServerDirection? given)
    {
        if (given is not null) return given.Value;
        var outgoing = config.Find(name, MailServerDirection.Outgoing) is not null;
        var incoming = config.Find(name, MailServerDirection.Incoming) is not null;
        if (outgoing && incoming)
            throw new ConfigurationValidationException("AmbiguousServerName", "Direction",
                $"Both an outgoing and an incoming server are named '{name}'; add -Direction Outgoing or -Direction Incoming.")
            { Hint = "Add -Direction Outgoing or -Direction Incoming (server objects from Get-OutlookMailServer carry it)." };
        if (!outgoing && !incoming)
            throw NotFound(name);
        return outgoing ? MailServerDirection.Outgoing : MailServerDirection.Incoming;
    }
}
