using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary><see cref="OutlookConfiguration.Find"/> is an index lookup that follows every change of the lists.</summary>
public class MailServerListTests
{
    static OutgoingMailServer Out(string name) => new() { Name = name, Username = name };

    [Fact]
    public void Find_follows_adds_removes_renames_and_replacements()
    {
        var c = new OutlookConfiguration();
        var a = Out("a@example.com");
        c.OutgoingServers.Add(a);
        c.IncomingServers.Add(new IncomingMailServer { Name = "a@example.com" });
        Assert.Same(a, c.Find("A@EXAMPLE.COM", MailServerDirection.Outgoing));
        Assert.IsType<IncomingMailServer>(c.Find("a@example.com", MailServerDirection.Incoming));

        a.Name = "renamed@example.com";
        Assert.Null(c.Find("a@example.com", MailServerDirection.Outgoing));
        Assert.Same(a, c.Find("Renamed@example.com", MailServerDirection.Outgoing));

        var b = Out("b@example.com");
        c.OutgoingServers[0] = b;
        Assert.Null(c.Find("renamed@example.com", MailServerDirection.Outgoing));
        Assert.Same(b, c.Find("b@example.com", MailServerDirection.Outgoing));
        a.Name = "b@example.com"; // no longer in the list: must not disturb the index
        Assert.Same(b, c.Find("b@example.com", MailServerDirection.Outgoing));

        Assert.True(c.OutgoingServers.Remove(b));
        Assert.Null(c.Find("b@example.com", MailServerDirection.Outgoing));
        c.IncomingServers.Clear();
        Assert.Null(c.Find("a@example.com", MailServerDirection.Incoming));
    }

    [Fact]
    public void A_copy_renamed_leaves_the_original_indexed()
    {
        var c = new OutlookConfiguration();
        c.OutgoingServers.Add(Out("a@example.com"));
        var copy = c.OutgoingServers[0].Clone();
        copy.Name = "other@example.com";
        Assert.NotNull(c.Find("a@example.com", MailServerDirection.Outgoing));
        Assert.Null(c.Find("other@example.com", MailServerDirection.Outgoing));
    }

    [Fact]
    public void With_two_servers_of_one_name_the_first_in_the_list_is_found_as_a_scan_would()
    {
        var c = new OutlookConfiguration();
        var first = Out("dup@example.com");
        var second = Out("DUP@example.com");
        c.OutgoingServers.Add(first);
        c.OutgoingServers.Add(second);
        Assert.Same(first, c.Find("dup@example.com", MailServerDirection.Outgoing));
        c.OutgoingServers.Remove(first);
        Assert.Same(second, c.Find("dup@example.com", MailServerDirection.Outgoing));
        c.OutgoingServers.Insert(0, first);
        Assert.Same(first, c.Find("dup@example.com", MailServerDirection.Outgoing));
        first.Name = "x@example.com";
        Assert.Same(second, c.Find("dup@example.com", MailServerDirection.Outgoing));
        first.Name = "dup@example.com";
        Assert.Same(first, c.Find("dup@example.com", MailServerDirection.Outgoing));
    }
}
