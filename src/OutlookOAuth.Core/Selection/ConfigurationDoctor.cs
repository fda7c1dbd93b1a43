using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>Stable ids of the configuration checks (docs/configuration-checks.md).</summary>
public static class ConfigurationRules
{
    public const string NoActiveOutgoingServer = "OOC001";
    public const string NoNotificationsAddress = "OOC002";
    public const string NotificationsAddressNotAccepted = "OOC003";
    public const string OutlookFilterWithoutUsername = "OOC004";
    public const string OutlookFilterWithDomain = "OOC005";
    public const string OutlookFilterWithOtherAddress = "OOC006";
    public const string ShadowedFilterEntry = "OOC007";
    public const string CatchallDomainNotCovered = "OOC008";
    public const string UnknownAddressDomain = "OOC009";
    public const string IncomingWithoutSsl = "OOC010";
    public const string DuplicateIncomingUsername = "OOC011";
    public const string InvalidParameter = "OOC012";
    public const string InvalidServer = "OOC013";
}

/// <summary>Checks a whole configuration for the mistakes that make Odoo's server choice go wrong.
/// Pure: reads the configuration, changes nothing. Findings come in rule-id order.</summary>
public static class ConfigurationDoctor
{
    public static IReadOnlyList<ConfigurationFinding> Check(OutlookConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var findings = new List<ConfigurationFinding>();
        void Add(string id, FindingSeverity severity, FindingTargetType type, string? target, string message, string fix) =>
            findings.Add(new ConfigurationFinding(id, severity, type, target, message, fix));
        const FindingTargetType Out = FindingTargetType.OutgoingServer;

        var all = configuration.OutgoingServers.Select(s => (Server: s, Filter: new ParsedFilter(s.FromFilter))).ToList();
        all.Sort((a, b) => MailSenderResolver.ServerOrder.Compare(a.Server, b.Server));
        var active = all.Where(x => x.Server.Active).ToList();
        var notifications = SystemAddresses.NotificationsAddress(configuration);
        var bounce = SystemAddresses.BounceAddress(configuration);
        var catchall = SystemAddresses.CatchallDomain(configuration);
        var defaultFrom = configuration.GetParameter(SystemParameters.DefaultFrom)?.Trim();

        // OOC001
        if (active.Count == 0)
        {
            var inactive = all.Count == 0 ? "" : $" ({all.Count} inactive)";
            Add(ConfigurationRules.NoActiveOutgoingServer, FindingSeverity.Error, FindingTargetType.Configuration, null,
                $"There is no active outgoing server{inactive}: no mail can be sent.",
                all.Count == 0 ? "Add one: New-OutlookMailServer -Username notifications@example.com." : "Activate one: Set-OutlookMailServer -Name <name> -Active $true.");
        }

        // OOC002
        if (notifications is null)
        {
            var catchallSet = !string.IsNullOrWhiteSpace(configuration.GetParameter(SystemParameters.CatchallDomain));
            var (why, target) =
                string.IsNullOrEmpty(defaultFrom) && !catchallSet ? ("neither mail.default.from nor mail.catchall.domain is set", SystemParameters.DefaultFrom)
                : defaultFrom is { Length: > 0 } && (defaultFrom.Contains('@') || !MailSyntax.IsLocalPart(defaultFrom)) ? ($"mail.default.from '{defaultFrom}' is neither a valid address nor a valid local part", SystemParameters.DefaultFrom)
                : catchallSet ? ($"mail.catchall.domain '{configuration.GetParameter(SystemParameters.CatchallDomain)}' is not a valid domain", SystemParameters.CatchallDomain)
                : ($"mail.default.from is the local part '{defaultFrom}' and mail.catchall.domain is not set", SystemParameters.CatchallDomain);
            Add(ConfigurationRules.NoNotificationsAddress, FindingSeverity.Error, FindingTargetType.Parameter, target,
                $"No notifications address can be formed ({why}). Senders without a server of their own keep their From on a fallback server, which Microsoft 365 refuses (550 5.7.60 SendAsDenied).",
                "Set the parameters of the documented configurations: Set-MailSystemParameter -Name mail.catchall.domain -Value example.com; Set-MailSystemParameter -Name mail.default.from -Value notifications.");
        }

        // OOC003
        if (notifications is not null && active.Count > 0 && !active.Any(x => x.Filter.Accepts(notifications)))
            Add(ConfigurationRules.NotificationsAddressNotAccepted, FindingSeverity.Error, FindingTargetType.Parameter, SystemParameters.DefaultFrom,
                $"No active outgoing server accepts the notifications address {notifications}: no FROM filter lists it or its domain and none is empty, so mail from senders without a server of their own falls back to '{active[0].Server.Name}' with From {notifications}.",
                $"Add the notifications server of the documented configurations: New-OutlookMailServer -Username {notifications} (its FROM filter defaults to its username).");

        // OOC004-006: Outlook servers sign in as one mailbox; Microsoft refuses other From / MAIL FROM addresses.
        foreach (var (s, f) in all)
        {
            if (!s.UsesOutlookOAuth || MailSyntax.NormalizeAddress(s.Username) is not { } user) continue;
            if (f.IsEmpty)
                Add(ConfigurationRules.OutlookFilterWithoutUsername, FindingSeverity.Warning, Out, s.Name,
                    $"The Outlook server '{s.Name}' has an empty FROM filter: it takes every sender without a server of its own{(bounce is null ? "" : $" with MAIL FROM {bounce}")}, and Microsoft 365 signs in as {user} and refuses any other sender (550 5.7.60 SendAsDenied).",
                    $"Set-OutlookMailServer -Name '{s.Name}' -FromFilter {user}");
            else if (!f.Addresses.Contains(user) && !f.Domains.Contains(MailSyntax.DomainOf(user)))
                Add(ConfigurationRules.OutlookFilterWithoutUsername, FindingSeverity.Warning, Out, s.Name,
                    $"The FROM filter of the Outlook server '{s.Name}' ({s.FromFilter}) does not list its own username {user}: mail from {user} never selects it, while the senders it does take are refused by Microsoft 365 unless {user} has Send As permission for them.",
                    $"Set-OutlookMailServer -Name '{s.Name}' -FromFilter {user}");
            if (f.Domains.Count > 0)
                Add(ConfigurationRules.OutlookFilterWithDomain, FindingSeverity.Warning, Out, s.Name,
                    $"The Outlook server '{s.Name}' lists the domain{(f.Domains.Count > 1 ? "s" : "")} {string.Join(", ", f.Domains)} in its FROM filter: every sender of {(f.Domains.Count > 1 ? "these domains" : "that domain")} without a server of its own goes through it{(bounce is not null && f.Domains.Contains(MailSyntax.DomainOf(bounce)) ? $" with MAIL FROM {bounce}" : "")}, and Microsoft 365 signs in as {user} and refuses other senders (550 5.7.60 SendAsDenied) unless {user} has Send As permission for them.",
                    $"Use full addresses: Set-OutlookMailServer -Name '{s.Name}' -FromFilter {user}; give other senders their own server or let them fall back to the notifications server.");
            var others = f.Addresses.Where(a => a != user).ToList();
            if (others.Count > 0)
                Add(ConfigurationRules.OutlookFilterWithOtherAddress, FindingSeverity.Warning, Out, s.Name,
                    $"The Outlook server '{s.Name}' signs in as {user} but also lists {string.Join(", ", others)} in its FROM filter: Microsoft 365 refuses mail from {(others.Count > 1 ? "them" : "it")} (550 5.7.60 SendAsDenied) unless {user} has Send As permission.",
                    $"Give each mailbox its own server (New-OutlookMailServer -Username {others[0]}) and set -FromFilter {user} on '{s.Name}', or grant Send As (Add-RecipientPermission) to {user}.");
        }

        // OOC007: an entry (or the empty filter) already taken by an earlier active server is never used again.
        var owners = new Dictionary<string, OutgoingMailServer>(StringComparer.Ordinal);
        OutgoingMailServer? firstEmpty = null;
        foreach (var (s, f) in active)
        {
            if (f.IsEmpty)
            {
                if (firstEmpty is null) firstEmpty = s;
                else
                    Add(ConfigurationRules.ShadowedFilterEntry, FindingSeverity.Warning, Out, s.Name,
                        $"'{s.Name}' (sequence {s.Sequence}) has an empty FROM filter like '{firstEmpty.Name}' (sequence {firstEmpty.Sequence}), which comes first: only '{firstEmpty.Name}' is ever used as the catch-all, '{s.Name}' never.",
                        $"Give '{s.Name}' a FROM filter, or deactivate or remove it.");
                continue;
            }
            foreach (var entry in f.Addresses.Concat(f.Domains))
            {
                if (!owners.TryAdd(entry, s))
                {
                    var first = owners[entry];
                    Add(ConfigurationRules.ShadowedFilterEntry, FindingSeverity.Warning, Out, s.Name,
                        $"'{s.Name}' (sequence {s.Sequence}) lists {entry} in its FROM filter, but so does '{first.Name}' (sequence {first.Sequence}), which comes first: '{s.Name}' is never chosen for {entry}.",
                        $"Remove {entry} from the FROM filter of one of them, or give '{s.Name}' a lower sequence than {first.Sequence} if it should win.");
                }
            }
        }

        // OOC008
        if (catchall is not null && !active.Any(x => x.Filter.IsEmpty || x.Filter.Domains.Contains(catchall)))
            foreach (var (s, f) in active)
                foreach (var d in f.Domains.Where(d => d != catchall))
                    Add(ConfigurationRules.CatchallDomainNotCovered, FindingSeverity.Warning, Out, s.Name,
                        $"'{s.Name}' lists the domain {d}, but mail.catchall.domain is {catchall} and no active server covers {catchall}: the notifications and bounce addresses of {catchall} are not on the domain your servers are set up for.",
                        $"If {d} is your mail domain, set it: Set-MailSystemParameter -Name mail.catchall.domain -Value {d}. Otherwise add {catchall} or the notifications address to a server's FROM filter.");

        // OOC009 (one finding per unknown domain, naming the first server)
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (catchall is not null) known.Add(catchall);
        if (notifications is not null) known.Add(MailSyntax.DomainOf(notifications));
        if (known.Count > 0)
        {
            var unknown = new Dictionary<string, (OutgoingMailServer Server, string Address, int Count)>(StringComparer.Ordinal);
            foreach (var (s, f) in all)
                foreach (var a in f.Addresses)
                {
                    var d = MailSyntax.DomainOf(a);
                    if (known.Contains(d)) continue;
                    unknown[d] = unknown.TryGetValue(d, out var u) ? (u.Server, u.Address, u.Count + 1) : (s, a, 1);
                }
            foreach (var (d, u) in unknown)
                Add(ConfigurationRules.UnknownAddressDomain, FindingSeverity.Info, Out, u.Server.Name,
                    $"The address {u.Address} in the FROM filter of '{u.Server.Name}'{(u.Count > 1 ? $" and {u.Count - 1} other address{(u.Count > 2 ? "es" : "")}" : "")} use{(u.Count > 1 ? "" : "s")} the domain {d}, which neither mail.catchall.domain nor mail.default.from mentions ({string.Join(", ", known)}): a typo, or a second mail domain?",
                    $"Correct the address or mail.catchall.domain; nothing to do if {d} is intentionally a second mail domain.");
        }

        // OOC010, OOC013 (server rules of the foundation) and duplicate names
        foreach (var server in configuration.AllServers)
            foreach (var problem in ServerRules.Check(server))
            {
                var type = server.Direction == MailServerDirection.Outgoing ? Out : FindingTargetType.IncomingServer;
                if (problem.ErrorId == "OutlookRequiresSsl")
                    Add(ConfigurationRules.IncomingWithoutSsl, FindingSeverity.Error, type, server.Name,
                        $"The incoming Outlook server '{server.Name}' does not use SSL: Microsoft 365 only accepts IMAP over SSL/TLS (port 993).",
                        $"Set-OutlookMailServer -Name '{server.Name}' -Direction Incoming -Ssl $true -Port 993");
                else
                    Add(ConfigurationRules.InvalidServer, FindingSeverity.Error, type, server.Name,
                        $"{problem.Message} ({problem.ErrorId})", $"Correct {problem.Field} with Set-OutlookMailServer -Name '{server.Name}'.");
            }
        foreach (var direction in new[] { MailServerDirection.Outgoing, MailServerDirection.Incoming })
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var server in configuration.Servers(direction))
                if (!names.Add(server.Name))
                    Add(ConfigurationRules.InvalidServer, FindingSeverity.Error,
                        direction == MailServerDirection.Outgoing ? Out : FindingTargetType.IncomingServer, server.Name,
                        $"There are two {direction.ToString().ToLowerInvariant()} servers named '{server.Name}'; names are unique per direction (case-insensitive). (DuplicateServerName)",
                        "Rename or remove one of them.");
        }

        // OOC011
        var fetchers = new Dictionary<string, IncomingMailServer>(StringComparer.Ordinal);
        foreach (var i in configuration.IncomingServers.Where(i => i.Active)
                     .OrderBy(i => i.Priority).ThenBy(i => i.Name, StringComparer.OrdinalIgnoreCase))
        {
            var user = MailSyntax.NormalizeAddress(i.Username) ?? i.Username.Trim().ToLowerInvariant();
            if (user.Length == 0) continue;
            if (!fetchers.TryAdd(user, i))
                Add(ConfigurationRules.DuplicateIncomingUsername, FindingSeverity.Warning, FindingTargetType.IncomingServer, i.Name,
                    $"The incoming servers '{fetchers[user].Name}' and '{i.Name}' both fetch the mailbox {user}: each run reads the same unread messages twice, and which server creates the record depends on timing.",
                    $"Deactivate or remove '{i.Name}' (Set-OutlookMailServer -Name '{i.Name}' -Direction Incoming -Active $false).");
        }

        // OOC012
        foreach (var (key, value) in configuration.Parameters)
            if (SystemParameters.Validate(key, value) is { } reason)
                Add(ConfigurationRules.InvalidParameter, FindingSeverity.Error, FindingTargetType.Parameter, key,
                    $"Invalid value for system parameter '{key}': {reason}",
                    $"Set-MailSystemParameter -Name {key} -Value <valid value>");

        return findings.OrderBy(f => f.RuleId, StringComparer.Ordinal).ToList(); // stable: keeps server order within a rule
    }
}
