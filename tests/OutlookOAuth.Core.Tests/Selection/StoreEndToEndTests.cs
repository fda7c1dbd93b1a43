using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using OutlookOAuth.Tests.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Selection;

/// <summary>The resolver and the doctor on files written and read by the real store, as the cmdlets use them.</summary>
public class StoreEndToEndTests
{
    [Fact]
    public void Per_user_configuration_saved_by_the_store_resolves_and_is_clean()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("config.yaml"));
        var batch = new ConfigurationBatch(store);
        batch.SetParameter(SystemParameters.CatchallDomain, "example.com");
        batch.SetParameter(SystemParameters.DefaultFrom, "notifications");
        foreach (var (user, sequence) in new[] { ("john@example.com", 10), ("jane@example.com", 10), ("notifications@example.com", 20) })
            batch.AddServer(new ServerSpec { Username = user, Sequence = sequence }, force: false);
        Assert.Empty(batch.Commit());

        var loaded = new ConfigurationStore(store.Path).Load();
        Assert.Empty(ConfigurationDoctor.Check(loaded));
        var resolver = new MailSenderResolver(loaded);
        var bob = resolver.Resolve("\"Bob Smith\" <bob@example.com>");
        Assert.Equal(("notifications@example.com", SelectionRule.NotificationsAddress, "\"Bob Smith\" <notifications@example.com>", "notifications@example.com"),
            (bob.ServerName, bob.Rule, bob.From, bob.EnvelopeFrom));
        Assert.Equal("jane@example.com", resolver.Resolve("Jane@Example.com").ServerName);
    }

    [Fact]
    public void Hand_edited_file_that_the_cmdlets_would_refuse_is_reported_not_rejected()
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.yaml");
        File.WriteAllText(path, """
            version: 1
            parameters:
              mail.catchall.domain: example.com
              mail.default.from: notifications
            outgoingServers:
            - name: shared
              username: svc@example.com
              fromFilter: example.com
              host: smtp.office365.com
              port: 465
              encryption: ssl
              authentication: outlook
            incomingServers:
            - name: catchall
              username: catchall@example.com
              host: outlook.office365.com
              port: 143
              ssl: false
            """);
        var config = new ConfigurationStore(path).Load();
        var findings = ConfigurationDoctor.Check(config);
        Assert.Equal(["OOC005", "OOC010", "OOC013"], findings.Select(f => f.RuleId).Distinct());
        Assert.Contains(findings, f => f.RuleId == "OOC013" && f.Target == "shared" && f.Message.Contains("OutlookRequiresStartTls"));
        Assert.Contains(findings, f => f.RuleId == "OOC010" && f.Target == "catchall" && f.TargetType == FindingTargetType.IncomingServer);

        var r = new MailSenderResolver(config).Resolve("jane@example.com");
        Assert.Equal((SelectionRule.Domain, "bounce@example.com"), (r.Rule, r.EnvelopeFrom));
        Assert.Contains("550 5.7.60", r.Warning);
    }
}
