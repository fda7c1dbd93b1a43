using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>Checks a whole configuration for the mistakes that make Odoo's server choice go wrong.
/// Pure: reads the configuration, changes nothing. Findings come in rule-id order.</summary>
public static class ConfigurationDoctor
{
    /// <summary>How many days ahead OOC020 warns that the client secret expires.</summary>
    public const int SecretExpiryWarningDays = 30;

    static FindingTargetType TypeOf(MailServer s) =>
        s.Direction == MailServerDirection.Outgoing ? FindingTargetType.OutgoingServer : FindingTargetType.IncomingServer;

    /// <param name="configuration">The configuration to check.</param>
    /// <param name="hasPassword">Whether a password-authentication server has its password in the token store
    /// (OOC018); null skips that rule (no store at hand).</param>
    /// <summary>ConfigurationHasErrors: the file has <paramref name="errors"/> findings of Severity Error (the doctor's
    /// verdict, after the findings themselves were output).</summary>
    public static OutlookOAuthException HasErrors(string configPath, int errors) =>
        new("ConfigurationHasErrors", FailureKind.InvalidData,
            $"The configuration '{configPath}' has {errors} error finding(s) (Severity Error); they were output above.",
            "Apply the Fix of each finding with Severity Error, then run Test-OutlookMailConfiguration again.") { Target = configPath };

    /// <param name="clock">Today, for the secret's expiry (OOC020); default the system clock.</param>
    public static IReadOnlyList<ConfigurationFinding> Check(OutlookConfiguration configuration, Func<OutgoingMailServer, bool>? hasPassword = null, TimeProvider? clock = null)
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

        // OOC014: implicit TLS (465) and STARTTLS (587, 25) are different protocols; the wrong pair never connects.
        foreach (var o in configuration.OutgoingServers)
        {
            if (o.Port == 465 && o.Encryption == SmtpEncryption.StartTls)
                Add(ConfigurationRules.PortEncryptionMismatch, FindingSeverity.Error, Out, o.Name,
                    $"'{o.Name}' uses STARTTLS on port 465, the port of implicit TLS (SMTPS): the server starts with a TLS handshake and never answers the plain greeting STARTTLS waits for, so every connection times out.",
                    o.UsesOutlookOAuth ? $"Set-OutlookMailServer -Name '{o.Name}' -Port 587 (Microsoft 365: STARTTLS on 587)" : $"Set-OutlookMailServer -Name '{o.Name}' -Port 587, or -Encryption Ssl to keep port 465");
            else if (o.Port is 587 or 25 && o.Encryption == SmtpEncryption.Ssl && !o.UsesOutlookOAuth) // Outlook: OOC013 says it
                Add(ConfigurationRules.PortEncryptionMismatch, FindingSeverity.Error, Out, o.Name,
                    $"'{o.Name}' uses implicit TLS (ssl) on port {o.Port}, a STARTTLS port: the server sends a plain greeting where a TLS handshake is expected, so the connection fails.",
                    $"Set-OutlookMailServer -Name '{o.Name}' -Encryption StartTls, or -Port 465 to keep implicit TLS");
        }

        // OOC015: Odoo compares FROM filter entries literally: '*@example.com' is an address nobody has.
        foreach (var o in configuration.OutgoingServers)
            foreach (var entry in MailSyntax.SplitFilter(o.FromFilter))
            {
                var at = entry.LastIndexOf('@');
                if (at < 0 || !entry[..at].Any(ch => ch is '*' or '?' or '%')) continue;
                var domain = entry[(at + 1)..];
                Add(ConfigurationRules.WildcardFilterEntry, FindingSeverity.Warning, Out, o.Name,
                    $"The FROM filter of '{o.Name}' lists '{entry}': Odoo has no wildcards, it compares an entry with '@' to the whole sender address, so '{entry}' matches no sender. A domain is written without '@' (neither '*@{domain}' nor '@{domain}').",
                    $"Set-OutlookMailServer -Name '{o.Name}' -FromFilter {domain}   (or list the full addresses)");
            }

        // OOC016: 'alice@example.com.' is a valid address to the syntax, but it is sent as written in XOAUTH2 and the sign-in hint.
        foreach (var server in configuration.AllServers)
        {
            var user = server.Username.Trim();
            if (!server.UsesOutlookOAuth || !user.EndsWith('.') || !user.Contains('@')) continue;
            Add(ConfigurationRules.UsernameTrailingDot, FindingSeverity.Error, TypeOf(server), server.Name,
                $"The username '{user}' of '{server.Name}' ends with a dot: it is sent as written (sign-in hint, XOAUTH2 user), Microsoft 365 knows no such account, and the sign-in or AUTH fails.",
                $"Set-OutlookMailServer -Name '{server.Name}'{(server.Direction == MailServerDirection.Incoming ? " -Direction Incoming" : "")} -Username {user.TrimEnd('.')}");
        }

        // OOC017: the Unicode and punycode spellings of one mailbox are one account but two
        // servers, two token partitions and two sign-ins.
        foreach (var direction in new[] { MailServerDirection.Outgoing, MailServerDirection.Incoming })
        {
            var spellings = new Dictionary<string, MailServer>(StringComparer.Ordinal);
            foreach (var server in configuration.Servers(direction))
            {
                if (MailSyntax.NormalizeAddress(server.Username) is not { } normal) continue;
                if (!spellings.TryAdd(normal, server))
                {
                    var first = spellings[normal];
                    if (string.Equals(first.Username.Trim(), server.Username.Trim(), StringComparison.OrdinalIgnoreCase)) continue; // same text: OOC011 / OOC007
                    Add(ConfigurationRules.MailboxSpelledTwice, FindingSeverity.Warning, TypeOf(server), server.Name,
                        $"The {direction.ToString().ToLowerInvariant()} servers '{first.Name}' ({first.Username.Trim()}) and '{server.Name}' ({server.Username.Trim()}) are the same mailbox {normal} spelled two ways (the Unicode and the punycode form of its domain): one account, but two servers, two sign-ins and two sets of tokens.",
                        $"Keep one of them: Remove-OutlookMailServer -Name '{server.Name}'{(direction == MailServerDirection.Incoming ? " -Direction Incoming" : "")}, and change the FROM filter of '{first.Name}' if needed.");
                }
            }
        }

        // OOC018: a password server whose password is not in the token store cannot authenticate.
        if (hasPassword is not null)
            foreach (var o in configuration.OutgoingServers.Where(o => o.Authentication == ServerAuthentication.Password))
                if (!hasPassword(o))
                    Add(ConfigurationRules.PasswordServerWithoutPassword, FindingSeverity.Error, Out, o.Name,
                        $"'{o.Name}' uses password authentication, but no password for it is in the token store: AUTH cannot be sent, and the relay refuses the mail (530 authentication required) or, if it is open, the server is not the one you meant.",
                        $"For Microsoft 365 switch it to OAuth: Set-OutlookMailServer -Name '{o.Name}' -Authentication Outlook (then Connect-OutlookAccount). For another relay, store its password in the token store of this configuration (item {"password-<partition>"}), never in the YAML.");

        // OOC019: Odoo reads its keys exactly as written.
        foreach (var key in configuration.Parameters.Keys)
            if (SystemParameters.CheckName(key) is { } problem)
                Add(ConfigurationRules.ParameterNeverRead, FindingSeverity.Warning, FindingTargetType.Parameter, key,
                    problem.Message, $"Remove it: Set-MailSystemParameter -Name '{key}' -Value $null. {problem.Hint}".TrimEnd());

        // OOC020: an expired client secret stops all mail; warn a month ahead.
        if (configuration.Application.SecretExpiresOn is { } expires && configuration.Application.ClientId is not null
            && string.IsNullOrWhiteSpace(configuration.Application.CertificatePath) && string.IsNullOrWhiteSpace(configuration.Application.CertificateThumbprint))
        {
            var now = (clock ?? TimeProvider.System).GetUtcNow();
            if (expires <= now)
                Add(ConfigurationRules.ClientSecretExpiry, FindingSeverity.Error, FindingTargetType.Application, configuration.Application.ClientId,
                    $"The client secret expired on {expires:yyyy-MM-dd}: every sign-in and token refresh fails with AADSTS7000222, so no mail is sent or received.",
                    "Update-OutlookApplicationSecret (adds a new secret, proves and stores it, then removes the old one); or create one in the portal and Set-OutlookApplication -ClientSecret (Read-Host -AsSecureString) -SecretExpiresOn <date>.");
            else if (expires <= now.AddDays(SecretExpiryWarningDays))
                Add(ConfigurationRules.ClientSecretExpiry, FindingSeverity.Warning, FindingTargetType.Application, configuration.Application.ClientId,
                    $"The client secret expires on {expires:yyyy-MM-dd}, in {(int)Math.Floor((expires - now).TotalDays)} days; then all mail stops (AADSTS7000222).",
                    "Rotate it before then: Update-OutlookApplicationSecret.");
        }

        return findings.OrderBy(f => f.RuleId, StringComparer.Ordinal).ToList(); // stable: keeps server order within a rule
    }
}
