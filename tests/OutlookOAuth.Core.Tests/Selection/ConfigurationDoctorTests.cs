using System.Reflection;
using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using Xunit;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Selection;

/// <summary>One test per rule: the per-user configuration (which has no findings) plus exactly one mistake.
/// Each asserts the rule's finding and the complete set of rules that fire, so removing or loosening a
/// rule, or a rule firing where it should not, fails a test.</summary>
public class ConfigurationDoctorTests
{
    static ConfigurationFinding Single(OutlookConfiguration config, string ruleId, params string[] alsoFiring)
    {
        var findings = ConfigurationDoctor.Check(config);
        Assert.Equal(alsoFiring.Append(ruleId).Order(StringComparer.Ordinal), findings.Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal));
        var finding = Assert.Single(findings, f => f.RuleId == ruleId);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
        Assert.False(string.IsNullOrWhiteSpace(finding.Fix));
        return finding;
    }

    static OutgoingMailServer Server(OutlookConfiguration c, string name) => c.OutgoingServers.Single(s => s.Name == name);

    [Fact]
    public void OOC001_no_active_outgoing_server()
    {
        var c = PerUser();
        foreach (var s in c.OutgoingServers) s.Active = false;
        var f = Single(c, "OOC001");
        Assert.Equal((FindingSeverity.Error, FindingTargetType.Configuration, (string?)null), (f.Severity, f.TargetType, f.Target));
        Assert.Contains("3 inactive", f.Message);

        c.OutgoingServers.Clear();
        Assert.Contains("New-OutlookMailServer", Single(c, "OOC001").Fix);
    }

    [Theory]
    [InlineData(null, null, "mail.default.from", "neither")]
    [InlineData("notifications", null, "mail.catchall.domain", "local part 'notifications'")]
    [InlineData(null, "bad domain", "mail.catchall.domain", "not a valid domain")]
    public void OOC002_no_notifications_address(string? defaultFrom, string? catchall, string target, string why)
    {
        var c = PerUser();
        c.Parameters.Clear();
        if (defaultFrom is not null) c.Parameters[SystemParameters.DefaultFrom] = defaultFrom;
        if (catchall is not null) c.Parameters[SystemParameters.CatchallDomain] = catchall;
        var f = Single(c, "OOC002", catchall is null ? [] : ["OOC012"]);
        Assert.Equal((FindingSeverity.Error, FindingTargetType.Parameter, target), (f.Severity, f.TargetType, f.Target));
        Assert.Contains(why, f.Message);
    }

    [Fact]
    public void OOC003_no_server_accepts_the_notifications_address()
    {
        var c = PerUser();
        c.OutgoingServers.Remove(Server(c, "notifications"));
        var f = Single(c, "OOC003");
        Assert.Equal((FindingSeverity.Error, "mail.default.from"), (f.Severity, f.Target));
        Assert.Contains("notifications@example.com", f.Message);
        Assert.Contains("New-OutlookMailServer -Username notifications@example.com", f.Fix);
    }

    [Fact]
    public void OOC003_not_raised_when_a_domain_or_empty_filter_accepts_it()
    {
        var c = PerUser();
        Server(c, "notifications").Authentication = ServerAuthentication.Password;
        Server(c, "notifications").Encryption = SmtpEncryption.Ssl;
        Server(c, "notifications").FromFilter = "example.com";
        Assert.DoesNotContain(ConfigurationDoctor.Check(c), f => f.RuleId == "OOC003");
        Server(c, "notifications").FromFilter = "";
        Assert.DoesNotContain(ConfigurationDoctor.Check(c), f => f.RuleId == "OOC003");
    }

    [Fact]
    public void OOC004_outlook_filter_without_its_own_username()
    {
        var c = PerUser();
        Server(c, "jane").FromFilter = "jane.doe@example.com";
        var f = Single(c, "OOC004", "OOC006");
        Assert.Equal((FindingSeverity.Warning, FindingTargetType.OutgoingServer, "jane"), (f.Severity, f.TargetType, f.Target));
        Assert.Contains("does not list its own username jane@example.com", f.Message);
        Assert.Contains("-FromFilter jane@example.com", f.Fix);
    }

    [Fact]
    public void OOC004_outlook_server_with_an_empty_filter()
    {
        var c = PerUser();
        Server(c, "notifications").FromFilter = "";
        var f = Single(c, "OOC004");
        Assert.Equal("notifications", f.Target);
        Assert.Contains("empty FROM filter", f.Message);
        Assert.Contains("MAIL FROM bounce@example.com", f.Message);
    }

    [Fact]
    public void OOC005_outlook_filter_with_a_domain()
    {
        var c = PerUser();
        Server(c, "notifications").FromFilter = "notifications@example.com, Example.com";
        var f = Single(c, "OOC005");
        Assert.Equal((FindingSeverity.Warning, "notifications"), (f.Severity, f.Target));
        Assert.Contains("domain example.com", f.Message);
        Assert.Contains("MAIL FROM bounce@example.com", f.Message);
        Assert.Contains("5.7.60", f.Message);
    }

    [Fact]
    public void OOC006_outlook_filter_with_another_mailbox()
    {
        var c = PerUser();
        Server(c, "jane").FromFilter = "jane@example.com,bob@example.com";
        var f = Single(c, "OOC006");
        Assert.Equal((FindingSeverity.Warning, "jane"), (f.Severity, f.Target));
        Assert.Contains("bob@example.com", f.Message);
        Assert.Contains("New-OutlookMailServer -Username bob@example.com", f.Fix);
    }

    [Fact]
    public void OOC007_same_entry_on_two_servers_names_the_shadowed_one()
    {
        var c = PerUser();
        c.OutgoingServers.Add(Out("relay", "JANE@example.com", sequence: 30, auth: ServerAuthentication.Password));
        var f = Single(c, "OOC007");
        Assert.Equal((FindingSeverity.Warning, "relay"), (f.Severity, f.Target));
        Assert.Contains("'jane' (sequence 10), which comes first", f.Message);

        // The lower sequence wins even when it was added later: now jane is the shadowed one.
        Server(c, "relay").Sequence = 1;
        Assert.Equal("jane", Single(c, "OOC007").Target);

        // Inactive servers shadow nothing.
        Server(c, "relay").Active = false;
        Assert.Empty(ConfigurationDoctor.Check(c));
    }

    [Fact]
    public void OOC007_second_empty_filter_is_never_used()
    {
        var c = PerUser();
        c.OutgoingServers.Add(Out("relay-b", "", sequence: 40, auth: ServerAuthentication.Password));
        c.OutgoingServers.Add(Out("relay-a", "", sequence: 40, auth: ServerAuthentication.Password));
        var f = Single(c, "OOC007");
        Assert.Equal("relay-b", f.Target);
        Assert.Contains("only 'relay-a' is ever used", f.Message);
    }

    [Fact]
    public void OOC008_domain_filter_while_the_catchall_domain_is_not_covered()
    {
        var c = PerUser();
        c.OutgoingServers.Add(Out("partner", "partner.example", auth: ServerAuthentication.Password));
        var f = Single(c, "OOC008");
        Assert.Equal((FindingSeverity.Warning, "partner"), (f.Severity, f.Target));
        Assert.Contains("mail.catchall.domain is example.com", f.Message);

        // Covering the catchall domain (or an empty filter) silences it.
        Server(c, "partner").FromFilter = "partner.example,example.com";
        Assert.Empty(ConfigurationDoctor.Check(c));
    }

    [Fact]
    public void OOC009_address_on_a_domain_no_parameter_knows()
    {
        var c = PerUser();
        c.OutgoingServers.Add(Out("ext", "ext@Other.example"));
        c.OutgoingServers.Add(Out("ext2", "ext2@other.example"));
        var f = Single(c, "OOC009");
        Assert.Equal((FindingSeverity.Info, "ext"), (f.Severity, f.Target));
        Assert.Contains("ext@other.example", f.Message);
        Assert.Contains("and 1 other address", f.Message);

        // A full-address mail.default.from makes its domain known.
        c.Parameters[SystemParameters.DefaultFrom] = "notifications@other.example";
        Assert.DoesNotContain(ConfigurationDoctor.Check(c), x => x.RuleId == "OOC009");
    }

    [Fact]
    public void OOC010_incoming_without_ssl()
    {
        var c = PerUser();
        c.IncomingServers[0].Ssl = false;
        var f = Single(c, "OOC010");
        Assert.Equal((FindingSeverity.Error, FindingTargetType.IncomingServer, "catchall"), (f.Severity, f.TargetType, f.Target));
    }

    [Fact]
    public void OOC011_two_incoming_servers_fetch_the_same_mailbox()
    {
        var c = PerUser();
        c.IncomingServers.Add(In("catchall-copy", "Catchall@Example.com", priority: 1));
        var f = Single(c, "OOC011");
        Assert.Equal((FindingSeverity.Warning, FindingTargetType.IncomingServer, "catchall"), (f.Severity, f.TargetType, f.Target));
        Assert.Contains("'catchall-copy' and 'catchall'", f.Message);

        c.IncomingServers[0].Active = false;
        Assert.Empty(ConfigurationDoctor.Check(c));
    }

    [Fact]
    public void OOC012_invalid_parameter_value()
    {
        var c = PerUser();
        c.Parameters[SystemParameters.WebBaseUrl] = "odoo.example.com";
        var f = Single(c, "OOC012");
        Assert.Equal((FindingSeverity.Error, FindingTargetType.Parameter, "web.base.url"), (f.Severity, f.TargetType, f.Target));
    }

    [Fact]
    public void OOC013_server_breaking_a_foundation_rule()
    {
        var c = PerUser();
        Server(c, "john").Encryption = SmtpEncryption.Ssl;
        var f = Single(c, "OOC013");
        Assert.Equal((FindingSeverity.Error, "john"), (f.Severity, f.Target));
        Assert.Contains("OutlookRequiresStartTls", f.Message);
    }

    [Fact]
    public void OOC013_duplicate_server_names()
    {
        var c = PerUser();
        c.OutgoingServers.Add(Out("JOHN", "john@example.com", sequence: 50));
        var findings = ConfigurationDoctor.Check(c);
        Assert.Contains(findings, f => f.RuleId == "OOC013" && f.Target == "JOHN" && f.Message.Contains("DuplicateServerName"));
        Assert.Contains(findings, f => f.RuleId == "OOC007" && f.Target == "JOHN");
    }

    [Fact]
    public void Findings_come_in_rule_order_and_errors_are_errors()
    {
        var c = PerUser();
        c.Parameters[SystemParameters.WebBaseUrl] = "nope";
        c.IncomingServers[0].Ssl = false;
        c.OutgoingServers.Add(Out("relay", "", auth: ServerAuthentication.Password));
        c.OutgoingServers.Add(Out("relay2", "", auth: ServerAuthentication.Password));
        var ids = ConfigurationDoctor.Check(c).Select(f => f.RuleId).ToList();
        Assert.Equal(["OOC007", "OOC010", "OOC012"], ids);
    }

    [Fact]
    public void Every_rule_is_documented()
    {
        var ids = typeof(ConfigurationRules).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.Equal(20, ids.Distinct().Count());
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OutlookOAuth.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "configuration-checks.md"));
        foreach (var id in ids) Assert.Contains($"## {id} ", doc);
    }

    [Fact]
    public void Ten_thousand_per_user_servers_are_checked_without_noise()
    {
        var c = PerUser();
        for (var i = 0; i < 10_000; i++) c.OutgoingServers.Add(Out($"user{i}", $"user{i}@example.com"));
        Assert.Empty(ConfigurationDoctor.Check(c));
    }
}
