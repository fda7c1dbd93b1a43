using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using Xunit;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Selection;

/// <summary>OOC014-OOC019, the mistakes admins made when typing servers and parameters by hand: each is the per-user
/// configuration (no findings) plus one mistake, and asserts the complete set of rules that fire.</summary>
public class ConfigurationDoctorInputTests
{
    static ConfigurationFinding Single(OutlookConfiguration config, string ruleId, string[] alsoFiring, Func<OutgoingMailServer, bool>? hasPassword = null)
    {
        var findings = ConfigurationDoctor.Check(config, hasPassword);
        Assert.Equal(alsoFiring.Append(ruleId).Order(StringComparer.Ordinal), findings.Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal));
        var finding = Assert.Single(findings, f => f.RuleId == ruleId);
        Assert.False(string.IsNullOrWhiteSpace(finding.Fix));
        return finding;
    }

    static OutgoingMailServer Server(OutlookConfiguration c, string name) => c.OutgoingServers.Single(s => s.Name == name);

    [Fact]
    public void The_per_user_configuration_has_no_finding_even_with_the_password_rule_on() =>
        Assert.Empty(ConfigurationDoctor.Check(PerUser(), _ => false));

    [Fact]
    public void OOC014_starttls_on_port_465_never_connects()
    {
        var c = PerUser();
        Server(c, "john").Port = 465;
        var f = Single(c, "OOC014", []);
        Assert.Equal((FindingSeverity.Error, FindingTargetType.OutgoingServer, "john"), (f.Severity, f.TargetType, f.Target));
        Assert.Contains("465", f.Message);
        Assert.Contains("-Port 587", f.Fix);
    }

    [Fact]
    public void OOC014_implicit_tls_on_a_starttls_port_never_connects()
    {
        var c = PerUser();
        var relay = Out("relay", "example.org", auth: ServerAuthentication.Password, username: "relay");
        relay.Port = 587; // Out() gives password servers ssl
        c.OutgoingServers.Add(relay);
        var f = Single(c, "OOC014", ["OOC008", "OOC018"], _ => false);
        Assert.Equal("relay", f.Target);
        Assert.Contains("-Encryption StartTls", f.Fix);
    }

    [Theory]
    [InlineData("*@example.com")]
    [InlineData("john@example.com,*@example.com")]
    public void OOC015_a_wildcard_filter_matches_no_sender(string filter)
    {
        var c = PerUser();
        Server(c, "john").FromFilter = filter;
        var f = Single(c, "OOC015", filter.StartsWith('*') ? ["OOC004", "OOC006"] : ["OOC006"]);
        Assert.Equal((FindingSeverity.Warning, "john"), (f.Severity, f.Target));
        Assert.Contains("-FromFilter example.com", f.Fix);
        Assert.Contains("'@example.com'", f.Message);
    }

    [Fact]
    public void OOC016_a_username_with_a_trailing_dot()
    {
        var c = PerUser();
        c.IncomingServers[0].Username = "catchall@example.com.";
        var f = Single(c, "OOC016", []);
        Assert.Equal((FindingSeverity.Error, FindingTargetType.IncomingServer, "catchall"), (f.Severity, f.TargetType, f.Target));
        Assert.Contains("-Direction Incoming -Username catchall@example.com", f.Fix);
        Assert.DoesNotContain("example.com.", f.Fix);
    }

    [Fact]
    public void OOC017_the_unicode_and_punycode_forms_of_one_mailbox_as_two_servers()
    {
        var c = PerUser();
        c.Parameters[SystemParameters.CatchallDomain] = "bücher.example";
        c.OutgoingServers.Clear();
        c.OutgoingServers.Add(Out("notifications", "notifications@bücher.example"));
        c.OutgoingServers.Add(Out("jürgen", "jurgen@bücher.example"));
        c.OutgoingServers.Add(Out("jürgen-ascii", "jurgen@xn--bcher-kva.example"));
        c.IncomingServers.Clear();
        var f = Single(c, "OOC017", ["OOC007"]);
        Assert.Equal((FindingSeverity.Warning, "jürgen-ascii"), (f.Severity, f.Target));
        Assert.Contains("jurgen@xn--bcher-kva.example", f.Message);
        Assert.Contains("'jürgen'", f.Message);
        Assert.Contains("Remove-OutlookMailServer -Name 'jürgen-ascii'", f.Fix);
    }

    [Fact]
    public void OOC018_a_password_server_without_a_password_only_when_a_store_is_asked()
    {
        var c = PerUser();
        var relay = Out("relay", "", sequence: 30, auth: ServerAuthentication.Password, username: "relay");
        relay.Encryption = SmtpEncryption.StartTls;
        relay.Port = 587;
        c.OutgoingServers.Add(relay);
        var f = Single(c, "OOC018", [], _ => false);
        Assert.Equal((FindingSeverity.Error, "relay"), (f.Severity, f.Target));
        Assert.Contains("-Authentication Outlook", f.Fix);
        Assert.Empty(ConfigurationDoctor.Check(c, o => o.Name == "relay"));
        Assert.Empty(ConfigurationDoctor.Check(c)); // no store at hand: the rule is skipped
    }

    [Theory]
    [InlineData("MAIL.CATCHALL.DOMAIN", "mail.catchall.domain")]
    [InlineData("mail.catchall.domain ", "'mail.catchall.domain'")]
    public void OOC019_a_parameter_key_odoo_never_reads(string key, string hint)
    {
        var c = PerUser();
        c.Parameters[key] = "not a domain";
        var f = Single(c, "OOC019", []);
        Assert.Equal((FindingSeverity.Warning, FindingTargetType.Parameter, key), (f.Severity, f.TargetType, f.Target));
        Assert.Contains($"-Name '{key}' -Value $null", f.Fix);
        Assert.Contains(hint, f.Fix);
    }
}
