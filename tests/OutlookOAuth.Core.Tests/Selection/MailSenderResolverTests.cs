using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using Xunit;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Selection;

public class MailSenderResolverTests
{
    const string Bounce = "bounce@example.com";
    const string Notif = "notifications@example.com";
    static readonly (string, string)[] NoParameters = [];

    /// <summary>One row: configuration, sender, and everything the resolution must say.</summary>
    public sealed record Row(Func<OutlookConfiguration> Config, string Sender, string? Server, SelectionRule Rule,
        string From, string? ReplyTo, string? Envelope, string? WarningPart = null);

    static readonly Dictionary<string, Row> Rows = new()
    {
        // Step 1: exact address, then domain; From kept.
        ["exact address keeps From"] = new(() => Config([Out("jane", "jane@example.com")], ExampleParameters),
            "\"Jane Doe\" <jane@example.com>", "jane", SelectionRule.ExactAddress, "\"Jane Doe\" <jane@example.com>", null, "jane@example.com"),
        ["address compared case-insensitively"] = new(() => Config([Out("jane", "Jane@Example.COM", username: "jane@example.com")], ExampleParameters),
            "JANE@example.com", "jane", SelectionRule.ExactAddress, "JANE@example.com", null, "jane@example.com"),
        ["one entry of a comma-separated filter"] = new(() => Config([Out("team", " a@example.com , jane@example.com ", username: "jane@example.com")], ExampleParameters),
            "jane@example.com", "team", SelectionRule.ExactAddress, "jane@example.com", null, "jane@example.com"),
        ["domain keeps From, bounce envelope"] = new(() => Config([Out("all", "example.com", username: "jane@example.com")], ExampleParameters),
            "jane@example.com", "all", SelectionRule.Domain, "jane@example.com", null, Bounce, "MAIL FROM bounce@example.com"),
        ["domain compared case-insensitively"] = new(() => Config([Out("other", "Other.COM", username: "x@other.com")], ExampleParameters),
            "Bob <bob@OTHER.com>", "other", SelectionRule.Domain, "Bob <bob@OTHER.com>", null, "bob@other.com", "From bob@other.com"),
        ["address beats domain even at a higher sequence"] = new(() => Config([Out("domain", "example.com", sequence: 1, username: "x@example.com"), Out("jane", "jane@example.com", sequence: 99)], ExampleParameters),
            "jane@example.com", "jane", SelectionRule.ExactAddress, "jane@example.com", null, "jane@example.com"),
        ["lower sequence wins for the same address"] = new(() => Config([Out("a", "jane@example.com", sequence: 10), Out("b", "jane@example.com", sequence: 5)], ExampleParameters),
            "jane@example.com", "b", SelectionRule.ExactAddress, "jane@example.com", null, "jane@example.com"),
        ["same sequence: name decides, case-insensitively"] = new(() => Config([Out("Beta", "jane@example.com"), Out("alpha", "jane@example.com"), Out("Gamma", "jane@example.com")], ExampleParameters),
            "jane@example.com", "alpha", SelectionRule.ExactAddress, "jane@example.com", null, "jane@example.com"),
        ["lower sequence wins for the same domain"] = new(() => Config([Out("a", "example.com", sequence: 10, username: "jane@example.com"), Out("b", "example.com", sequence: 2, username: "jane@example.com")], ExampleParameters),
            "jane@example.com", "b", SelectionRule.Domain, "jane@example.com", null, Bounce, "MAIL FROM"),
        ["inactive servers are ignored"] = new(() => Config([Out("off", "jane@example.com", sequence: 1, active: false), Out("on", "jane@example.com", sequence: 50)], ExampleParameters),
            "jane@example.com", "on", SelectionRule.ExactAddress, "jane@example.com", null, "jane@example.com"),
        ["IDN sender matches punycode filter"] = new(() => Config([Out("b", "jane@xn--bcher-kva.example")], ExampleParameters),
            "Jane <jane@Bücher.example>", "b", SelectionRule.ExactAddress, "Jane <jane@Bücher.example>", null, "jane@xn--bcher-kva.example"),
        ["punycode sender matches IDN domain filter"] = new(() => Config([Out("b", "BÜCHER.example", username: "jane@xn--bcher-kva.example")], ExampleParameters),
            "jane@XN--BCHER-KVA.example", "b", SelectionRule.Domain, "jane@XN--BCHER-KVA.example", null, "jane@xn--bcher-kva.example"),

        // Step 2: the notifications address; From rewritten, Reply-To the sender.
        ["notifications address rewrites From"] = new(() => Config([Out("jane", "jane@example.com"), Out("notifications", Notif, sequence: 20)], ExampleParameters),
            "\"Bob Smith\" <bob@other.com>", "notifications", SelectionRule.NotificationsAddress, $"\"Bob Smith\" <{Notif}>", "\"Bob Smith\" <bob@other.com>", Notif),
        ["no display name: local part as name"] = new(() => Config([Out("notifications", Notif)], ExampleParameters),
            "Bob.Smith@other.com", "notifications", SelectionRule.NotificationsAddress, $"\"Bob.Smith\" <{Notif}>", "Bob.Smith@other.com", Notif),
        ["display name with comma stays quoted"] = new(() => Config([Out("notifications", Notif)], ExampleParameters),
            "\"Smith, Bob\" <bob@other.com>", "notifications", SelectionRule.NotificationsAddress, $"\"Smith, Bob\" <{Notif}>", "\"Smith, Bob\" <bob@other.com>", Notif),
        ["display name with quotes and backslash is escaped"] = new(() => Config([Out("notifications", Notif)], ExampleParameters),
            "\"Bob \\\"The Builder\\\" \\\\ Co\" <bob@other.com>", "notifications", SelectionRule.NotificationsAddress, $"\"Bob \\\"The Builder\\\" \\\\ Co\" <{Notif}>", "\"Bob \\\"The Builder\\\" \\\\ Co\" <bob@other.com>", Notif),
        ["non-ASCII display name"] = new(() => Config([Out("notifications", Notif)], ExampleParameters),
            "Jürgen Müller <jm@other.com>", "notifications", SelectionRule.NotificationsAddress, $"\"Jürgen Müller\" <{Notif}>", "Jürgen Müller <jm@other.com>", Notif),
        ["notifications domain, bounce envelope"] = new(() => Config([Out("domain", "example.com", username: Notif)], ExampleParameters),
            "bob@other.com", "domain", SelectionRule.NotificationsDomain, $"\"bob\" <{Notif}>", "bob@other.com", Bounce, "MAIL FROM bounce@example.com"),
        ["notifications as full address parameter"] = new(() => Config([Out("n", "noreply@corp.example")], (SystemParameters.DefaultFrom, "NoReply@Corp.Example")),
            "bob@other.com", "n", SelectionRule.NotificationsAddress, "\"bob\" <noreply@corp.example>", "bob@other.com", "noreply@corp.example"),
        ["notifications address beats notifications domain"] = new(() => Config([Out("dom", "example.com", sequence: 1, username: Notif), Out("n", Notif, sequence: 90)], ExampleParameters),
            "bob@other.com", "n", SelectionRule.NotificationsAddress, $"\"bob\" <{Notif}>", "bob@other.com", Notif),
        ["custom bounce alias accepted by a domain filter"] = new(() => Config([Out("dom", "example.com", username: Notif)], [.. ExampleParameters, (SystemParameters.BounceAlias, "return")]),
            "bob@other.com", "dom", SelectionRule.NotificationsDomain, $"\"bob\" <{Notif}>", "bob@other.com", "return@example.com", "MAIL FROM return@example.com"),

        // Step 3: the first server with an empty filter.
        ["empty filter rewrites to notifications"] = new(() => Config([Out("jane", "jane@example.com"), Out("relay", "", sequence: 30, auth: ServerAuthentication.Password), Out("relay2", "", sequence: 40, auth: ServerAuthentication.Password)], ExampleParameters),
            "bob@other.com", "relay", SelectionRule.EmptyFilter, $"\"bob\" <{Notif}>", "bob@other.com", Bounce),
        ["empty filter without notifications keeps From"] = new(() => Config([Out("relay", "", auth: ServerAuthentication.Password)], NoParameters),
            "Bob <bob@other.com>", "relay", SelectionRule.EmptyFilter, "Bob <bob@other.com>", null, "bob@other.com"),
        ["empty filter: the notifications sender itself keeps From"] = new(() => Config([Out("relay", "", auth: ServerAuthentication.Password)], ExampleParameters),
            "Notifications <Notifications@example.com>", "relay", SelectionRule.EmptyFilter, "Notifications <Notifications@example.com>", null, Bounce),
        ["inactive empty filter is ignored"] = new(() => Config([Out("relay", "", sequence: 1, active: false, auth: ServerAuthentication.Password), Out("relay2", "", sequence: 5, auth: ServerAuthentication.Password)], ExampleParameters),
            "bob@other.com", "relay2", SelectionRule.EmptyFilter, $"\"bob\" <{Notif}>", "bob@other.com", Bounce),

        // Step 4: the first server anyway, with a warning.
        ["first server with a warning"] = new(() => Config([Out("z", "z@other.org", sequence: 5), Out("a", "a@other.org", sequence: 7)], ExampleParameters),
            "bob@other.com", "z", SelectionRule.FirstServer, $"\"bob\" <{Notif}>", "bob@other.com", Notif, "No mail server matches the FROM filter of bob@other.com"),
        ["first server without notifications keeps From"] = new(() => Config([Out("z", "z@other.org")], NoParameters),
            "bob@other.com", "z", SelectionRule.FirstServer, "bob@other.com", null, "bob@other.com", "using 'z' as fallback with From bob@other.com"),
    };

    public static TheoryData<string> RowNames() => new(Rows.Keys);

    [Theory]
    [MemberData(nameof(RowNames))]
    public void Chooses_the_server_and_headers_as_odoo(string row)
    {
        var r = Rows[row];
        var result = new MailSenderResolver(r.Config()).Resolve(r.Sender);

        Assert.Equal(r.Server, result.ServerName);
        Assert.Equal(r.Server, result.Server?.Name);
        Assert.Equal(r.Rule, result.Rule);
        Assert.Equal(r.From, result.From);
        Assert.Equal(r.ReplyTo, result.ReplyTo);
        Assert.Equal(r.ReplyTo is not null, result.FromRewritten);
        Assert.Equal(r.Envelope, result.EnvelopeFrom);
        Assert.Equal(r.Sender.Trim(), result.Sender);
        if (r.WarningPart is null) Assert.Null(result.Warning);
        else Assert.Contains(r.WarningPart, result.Warning);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
        if (result.Server is not null) Assert.Contains($"'{result.Server.Name}'", result.Reason);
    }

    [Fact]
    public void No_server_at_all()
    {
        var result = new MailSenderResolver(Config([], ExampleParameters)).Resolve("Jane <jane@example.com>");
        Assert.Equal(SelectionRule.NoServer, result.Rule);
        Assert.Null(result.Server);
        Assert.Null(result.ServerName);
        Assert.Null(result.EnvelopeFrom);
        Assert.Null(result.ReplyTo);
        Assert.Equal("Jane <jane@example.com>", result.From);
        Assert.Contains("no outgoing server", result.Reason);
    }

    [Fact]
    public void Only_inactive_servers_means_no_server_and_says_so()
    {
        var result = new MailSenderResolver(Config([Out("a", "jane@example.com", active: false), Out("b", "", active: false)], ExampleParameters)).Resolve("jane@example.com");
        Assert.Equal(SelectionRule.NoServer, result.Rule);
        Assert.Null(result.Server);
        Assert.Contains("2 inactive servers are ignored", result.Reason);
    }

    [Theory]
    [InlineData("exact", SelectionRule.ExactAddress, "lists jane@example.com in its FROM filter; the From is kept")]
    [InlineData("domain", SelectionRule.Domain, "lists its domain example.com")]
    [InlineData("notif", SelectionRule.NotificationsAddress, "lists the notifications address notifications@example.com, so the From is rewritten")]
    public void Reason_says_why(string which, SelectionRule rule, string part)
    {
        var servers = which switch
        {
            "exact" => new[] { Out("jane", "jane@example.com") },
            "domain" => [Out("d", "example.com", username: "jane@example.com")],
            _ => [Out("n", Notif)],
        };
        var sender = which == "notif" ? "jane@other.com" : "jane@example.com";
        var result = new MailSenderResolver(Config(servers, ExampleParameters)).Resolve(sender);
        Assert.Equal(rule, result.Rule);
        Assert.Contains(part, result.Reason);
        Assert.Contains("MAIL FROM", result.Reason);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("notifications", null, null)]
    [InlineData(null, "example.com", "notifications@example.com")]
    [InlineData("notifications", "Example.COM", "notifications@example.com")]
    [InlineData("Info", "example.com", "info@example.com")]
    [InlineData("noreply@corp.example", null, "noreply@corp.example")]
    [InlineData("noreply@corp.example", "example.com", "noreply@corp.example")]
    [InlineData("not valid", "example.com", null)]
    [InlineData("notifications", "not a domain", null)]
    [InlineData("n", "bücher.example", "n@xn--bcher-kva.example")]
    public void Notifications_address_from_the_parameters(string? defaultFrom, string? catchall, string? expected)
    {
        var c = new OutlookConfiguration();
        if (defaultFrom is not null) c.Parameters[SystemParameters.DefaultFrom] = defaultFrom;
        if (catchall is not null) c.Parameters[SystemParameters.CatchallDomain] = catchall;
        Assert.Equal(expected, SystemAddresses.NotificationsAddress(c));
        Assert.Equal(expected, new MailSenderResolver(c).NotificationsAddress);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(null, "example.com", "bounce@example.com")]
    [InlineData("Return", "example.com", "return@example.com")]
    [InlineData("return", null, null)]
    [InlineData("bad alias", "example.com", null)]
    public void Bounce_address_from_the_parameters(string? alias, string? catchall, string? expected)
    {
        var c = new OutlookConfiguration();
        if (alias is not null) c.Parameters[SystemParameters.BounceAlias] = alias;
        if (catchall is not null) c.Parameters[SystemParameters.CatchallDomain] = catchall;
        Assert.Equal(expected, SystemAddresses.BounceAddress(c));
    }

    [Fact]
    public void Outlook_server_taking_other_senders_warns_of_send_as_refusal()
    {
        var result = new MailSenderResolver(Config([Out("shared", "example.com", username: "svc@example.com")], ExampleParameters)).Resolve("jane@example.com");
        Assert.Equal(SelectionRule.Domain, result.Rule);
        Assert.Contains("550 5.7.60", result.Warning);
        Assert.Contains("From jane@example.com and MAIL FROM bounce@example.com", result.Warning);
        Assert.Contains("svc@example.com", result.Warning);
    }

    [Fact]
    public void Password_server_gets_no_send_as_warning()
    {
        var result = new MailSenderResolver(Config([Out("relay", "example.com", auth: ServerAuthentication.Password)], ExampleParameters)).Resolve("jane@example.com");
        Assert.Equal("relay", result.ServerName);
        Assert.Null(result.Warning);
    }

    [Fact]
    public void Invalid_sender_throws_naming_it()
    {
        var resolver = new MailSenderResolver(SingleServer());
        var e = Assert.Throws<InvalidMailboxException>(() => resolver.Resolve("Doe, Jane <jane@example.com>"));
        Assert.Equal("Doe, Jane <jane@example.com>", e.Value);
    }

    [Fact]
    public void Results_hold_copies_and_the_index_ignores_later_changes()
    {
        var config = PerUser();
        var resolver = new MailSenderResolver(config);
        var first = resolver.Resolve("jane@example.com");
        first.Server!.Name = "changed";
        first.Server.FromFilter = "";
        config.OutgoingServers.Clear();
        resolver.Servers[0].FromFilter = "";

        var again = resolver.Resolve("jane@example.com");
        Assert.Equal("jane", again.ServerName);
        Assert.Equal("jane@example.com", again.Server!.FromFilter);
        Assert.NotSame(first.Server, again.Server);
        Assert.Equal(3, resolver.Servers.Count);
    }

    [Fact]
    public void Servers_are_listed_in_selection_order()
    {
        var resolver = new MailSenderResolver(Config([Out("c", "c@example.com", 5), Out("B", "b@example.com", 1), Out("a", "a@example.com", 5), Out("off", "o@example.com", 0, active: false)], ExampleParameters));
        Assert.Equal(["B", "a", "c"], resolver.Servers.Select(s => s.Name));
    }

    [Fact]
    public void Resolving_many_senders_against_many_servers_matches_a_linear_scan()
    {
        // The index must give what Odoo's scan gives: compare with a straightforward reimplementation of §3.2.
        var rnd = new Random(1234);
        var servers = new List<OutgoingMailServer>();
        for (var i = 0; i < 300; i++)
        {
            var kind = rnd.Next(10);
            var filter = kind switch
            {
                0 => $"d{rnd.Next(20)}.example",
                1 => "",
                2 => $"u{rnd.Next(200)}@d{rnd.Next(20)}.example,d{rnd.Next(20)}.example",
                _ => $"u{rnd.Next(200)}@d{rnd.Next(20)}.example",
            };
            servers.Add(Out($"s{i:000}", filter, sequence: rnd.Next(5), active: rnd.Next(8) != 0, username: $"s{i}@d0.example"));
        }
        var config = Config(servers, (SystemParameters.CatchallDomain, "d3.example"), (SystemParameters.DefaultFrom, "u7"));
        var resolver = new MailSenderResolver(config);
        var ordered = servers.Where(s => s.Active).OrderBy(s => s.Sequence).ThenBy(s => s.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var entries = ordered.Select(s => s.FromFilter.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        OutgoingMailServer? Scan(string target, bool address)
        {
            for (var i = 0; i < ordered.Count; i++)
                if (entries[i].Any(e => e.Contains('@') == address && e == target)) return ordered[i];
            return null;
        }
        for (var k = 0; k < 2000; k++)
        {
            var sender = $"u{rnd.Next(220)}@d{rnd.Next(25)}.example";
            var expected = Scan(sender, true) ?? Scan(sender.Split('@')[1], false) ?? Scan("u7@d3.example", true) ?? Scan("d3.example", false)
                ?? ordered.FirstOrDefault(s => s.FromFilter.Length == 0) ?? ordered.FirstOrDefault();
            Assert.Equal(expected?.Name, resolver.Resolve(sender).ServerName);
        }
    }
}
