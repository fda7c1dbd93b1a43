using OutlookOAuth.Selection;
using Xunit;
using static OutlookOAuth.Tests.Selection.SelectionConfigs;

namespace OutlookOAuth.Tests.Selection;

/// <summary>The two configurations of Odoo's azure_oauth.rst, end to end: resolution and a clean bill of health.</summary>
public class ReferenceConfigurationTests
{
    [Fact]
    public void Single_server_sends_everything_as_notifications()
    {
        var resolver = new MailSenderResolver(SingleServer());
        Assert.Equal("notifications@example.com", resolver.NotificationsAddress);
        Assert.Equal("bounce@example.com", resolver.BounceAddress);

        var own = resolver.Resolve("notifications@example.com");
        Assert.Equal(("notifications", SelectionRule.ExactAddress, "notifications@example.com", (string?)null, "notifications@example.com"),
            (own.ServerName, own.Rule, own.From, own.ReplyTo, own.EnvelopeFrom));

        var jane = resolver.Resolve("\"Jane Doe\" <jane@example.com>");
        Assert.Equal("notifications", jane.ServerName);
        Assert.Equal(SelectionRule.NotificationsAddress, jane.Rule);
        Assert.Equal("\"Jane Doe\" <notifications@example.com>", jane.From);
        Assert.Equal("\"Jane Doe\" <jane@example.com>", jane.ReplyTo);
        Assert.Equal("notifications@example.com", jane.EnvelopeFrom);
        Assert.Null(jane.Warning);

        var outsider = resolver.Resolve("partner@customer.example");
        Assert.Equal(("notifications", SelectionRule.NotificationsAddress, "\"partner\" <notifications@example.com>"), (outsider.ServerName, outsider.Rule, outsider.From));
        Assert.Null(outsider.Warning);
    }

    [Fact]
    public void Per_user_servers_keep_their_senders_and_the_rest_falls_back_to_notifications()
    {
        var resolver = new MailSenderResolver(PerUser());
        foreach (var user in new[] { "john", "jane" })
        {
            var r = resolver.Resolve($"{char.ToUpperInvariant(user[0])}{user[1..]} Doe <{user}@example.com>");
            Assert.Equal(user, r.ServerName);
            Assert.Equal(SelectionRule.ExactAddress, r.Rule);
            Assert.Equal($"{char.ToUpperInvariant(user[0])}{user[1..]} Doe <{user}@example.com>", r.From);
            Assert.Null(r.ReplyTo);
            Assert.Equal($"{user}@example.com", r.EnvelopeFrom);
            Assert.Null(r.Warning);
        }

        var bob = resolver.Resolve("Bob Smith <bob@example.com>");
        Assert.Equal("notifications", bob.ServerName);
        Assert.Equal(SelectionRule.NotificationsAddress, bob.Rule);
        Assert.Equal("\"Bob Smith\" <notifications@example.com>", bob.From);
        Assert.Equal("Bob Smith <bob@example.com>", bob.ReplyTo);
        Assert.Equal("notifications@example.com", bob.EnvelopeFrom);
        Assert.True(bob.FromRewritten);
        Assert.Null(bob.Warning);
    }

    [Fact]
    public void Both_documented_configurations_have_no_findings()
    {
        Assert.Empty(ConfigurationDoctor.Check(SingleServer()));
        Assert.Empty(ConfigurationDoctor.Check(PerUser()));
    }
}
