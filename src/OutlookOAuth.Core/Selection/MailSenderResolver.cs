using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>Odoo 17/18's choice of outgoing server for a sender (<c>_find_mail_server</c>) and the From /
/// Reply-To / MAIL FROM it leads to (<c>_prepare_email_message</c>), odoo-outlook.md §3.
/// Built once per configuration: every resolve is one or two hash lookups. Immutable and thread-safe;
/// later changes to the configuration are not seen.</summary>
public sealed class MailSenderResolver
{
    /// <summary>Orders servers as Odoo does (sequence), ties by name (as Odoo's documentation says).</summary>
    public static readonly IComparer<OutgoingMailServer> ServerOrder = Comparer<OutgoingMailServer>.Create((a, b) =>
    {
        var c = a.Sequence.CompareTo(b.Sequence);
        if (c == 0) c = StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name);
        return c != 0 ? c : StringComparer.Ordinal.Compare(a.Name, b.Name);
    });

    sealed class Candidate(OutgoingMailServer server, ParsedFilter filter, string? bounce)
    {
        public OutgoingMailServer Server { get; } = server.Clone();
        public ParsedFilter Filter { get; } = filter;
        public bool AcceptsBounce { get; } = bounce is not null && filter.Accepts(bounce);
        public string? OutlookUsername { get; } = server.UsesOutlookOAuth ? MailSyntax.NormalizeAddress(server.Username) : null;
        public string Describe => $"server '{Server.Name}' (sequence {Server.Sequence})";
    }

    readonly Dictionary<string, Candidate> _byAddress = new(StringComparer.Ordinal);
    readonly Dictionary<string, Candidate> _byDomain = new(StringComparer.Ordinal);
    readonly Candidate? _firstEmpty, _first, _notifications;
    readonly SelectionRule _notificationsRule;
    readonly int _inactive;

    /// <param name="configPath">The file of the configuration: every server a resolution names carries it as its
    /// ConfigPath (so the sender's token comes from that file's store).</param>
    public MailSenderResolver(OutlookConfiguration configuration, string? configPath = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        NotificationsAddress = SystemAddresses.NotificationsAddress(configuration);
        BounceAddress = SystemAddresses.BounceAddress(configuration);

        var active = configuration.OutgoingServers.Where(s => s.Active).ToList();
        _inactive = configuration.OutgoingServers.Count - active.Count;
        active.Sort(ServerOrder);
        var servers = new List<OutgoingMailServer>(active.Count);
        foreach (var server in active)
        {
            var candidate = new Candidate(server, new ParsedFilter(server.FromFilter), BounceAddress);
            candidate.Server.ConfigPath = configPath;
            servers.Add(candidate.Server.Clone());
            _first ??= candidate;
            if (candidate.Filter.IsEmpty) _firstEmpty ??= candidate;
            foreach (var a in candidate.Filter.Addresses) _byAddress.TryAdd(a, candidate);
            foreach (var d in candidate.Filter.Domains) _byDomain.TryAdd(d, candidate);
        }
        Servers = servers.AsReadOnly();

        if (NotificationsAddress is { } n)
        {
            if (_byAddress.TryGetValue(n, out _notifications)) _notificationsRule = SelectionRule.NotificationsAddress;
            else if (_byDomain.TryGetValue(MailSyntax.DomainOf(n), out _notifications)) _notificationsRule = SelectionRule.NotificationsDomain;
        }
    }

    /// <summary>The notifications address (normalized), or null when the parameters cannot form one.</summary>
    public string? NotificationsAddress { get; }
    /// <summary>The bounce address (normalized), or null without a catchall domain.</summary>
    public string? BounceAddress { get; }
    /// <summary>The active outgoing servers in selection order (copies: changing them changes nothing here).</summary>
    public IReadOnlyList<OutgoingMailServer> Servers { get; }

    /// <summary>Resolves a sender given as text; throws <see cref="InvalidMailboxException"/> when it is not one mailbox.</summary>
    public SenderResolution Resolve(string sender) => Resolve(MailboxAddress.Parse(sender));

    public SenderResolution Resolve(MailboxAddress sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var address = sender.Address;
        if (_byAddress.TryGetValue(address, out var c))
            return Keep(sender, c, SelectionRule.ExactAddress, $"{Cap(c.Describe)} lists {address} in its FROM filter; the From is kept.");
        var domain = sender.Domain;
        if (_byDomain.TryGetValue(domain, out c))
            return Keep(sender, c, SelectionRule.Domain, $"No active server lists {address}; {c.Describe} lists its domain {domain}; the From is kept.");

        var n = NotificationsAddress;
        var missed = $"No active server lists {address} or its domain {domain}";
        if (_notifications is not null)
            return Rewrite(sender, _notifications, _notificationsRule, _notificationsRule == SelectionRule.NotificationsAddress
                ? $"{missed}; {_notifications.Describe} lists the notifications address {n}"
                : $"{missed}; {_notifications.Describe} lists the domain {MailSyntax.DomainOf(n!)} of the notifications address {n}", null);

        if (n is not null) missed += $", nor the notifications address {n} or its domain";
        if (_firstEmpty is not null)
            return Rewrite(sender, _firstEmpty, SelectionRule.EmptyFilter, $"{missed}; {_firstEmpty.Describe} has an empty FROM filter and takes any sender", null);
        if (_first is not null)
            return Rewrite(sender, _first, SelectionRule.FirstServer, $"{missed}, and no server has an empty FROM filter; the first {_first.Describe} is used anyway",
                $"No mail server matches the FROM filter of {address}; using '{_first.Server.Name}' as fallback with From {n ?? address}.");

        return new SenderResolution
        {
            Sender = sender.Original, SenderAddress = address, From = sender.Original, Rule = SelectionRule.NoServer,
            Reason = _inactive == 0 ? "There is no outgoing server: this mail cannot be sent."
                : $"There is no active outgoing server ({_inactive} inactive server{(_inactive == 1 ? " is" : "s are")} ignored): this mail cannot be sent.",
        };
    }

    SenderResolution Keep(MailboxAddress sender, Candidate c, SelectionRule rule, string reason) =>
        Result(sender, c, rule, reason, null, sender.Original, sender.Address, rewritten: false);

    // Steps 2-4: From becomes the notifications address (encapsulated) when there is one; else it is kept.
    SenderResolution Rewrite(MailboxAddress sender, Candidate c, SelectionRule rule, string reason, string? warning)
    {
        var n = NotificationsAddress;
        if (n is null)
            return Result(sender, c, rule, reason + "; there is no notifications address, so the From is kept.", warning, sender.Original, sender.Address, false);
        if (n == sender.Address)
            return Result(sender, c, rule, reason + "; the sender is the notifications address, so the From is kept.", warning, sender.Original, n, false);
        return Result(sender, c, rule, reason + $", so the From is rewritten to {n} and Reply-To is the sender.", warning, sender.EncapsulateWith(n), n, true);
    }

    SenderResolution Result(MailboxAddress sender, Candidate c, SelectionRule rule, string reason, string? warning,
        string from, string fromAddress, bool rewritten)
    {
        string envelope, envelopeWhy;
        if (c.AcceptsBounce)
        {
            envelope = BounceAddress!;
            envelopeWhy = $" MAIL FROM is the bounce address {envelope}, which the filter of '{c.Server.Name}' accepts.";
        }
        else
        {
            envelope = fromAddress;
            envelopeWhy = BounceAddress is null
                ? $" MAIL FROM is {envelope} (there is no bounce address)."
                : $" MAIL FROM is {envelope}: the filter of '{c.Server.Name}' does not accept the bounce address {BounceAddress}.";
        }

        if (c.OutlookUsername is { } user)
        {
            var refused = new List<string>(2);
            if (fromAddress != user) refused.Add($"From {fromAddress}");
            if (envelope != user && envelope != fromAddress) refused.Add($"MAIL FROM {envelope}");
            if (refused.Count > 0)
            {
                var sendAs = $"Microsoft 365 signs in as {user} on '{c.Server.Name}' and will refuse {string.Join(" and ", refused)} (550 5.7.60 SendAsDenied) unless {user} has Send As permission for {(refused.Count == 1 ? "it" : "them")}.";
                warning = warning is null ? sendAs : warning + " " + sendAs;
            }
        }

        return new SenderResolution
        {
            Sender = sender.Original,
            SenderAddress = sender.Address,
            Server = c.Server.Clone(),
            From = from,
            FromRewritten = rewritten,
            ReplyTo = rewritten ? sender.Original : null,
            EnvelopeFrom = envelope,
            Rule = rule,
            Reason = reason + envelopeWhy,
            Warning = warning,
        };
    }

    static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
