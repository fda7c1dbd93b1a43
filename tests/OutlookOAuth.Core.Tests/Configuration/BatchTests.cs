using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>The pipeline transaction the cmdlets use.</summary>
public class BatchTests
{
    [Fact]
    public void Csv_of_three_rows_with_one_bad_row_saves_the_two_good_ones_in_one_write()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var batch = new ConfigurationBatch(store);
        var rows = new[] { "john@example.com", "not-an-address", "jane@example.com" };
        var errors = new List<ConfigurationValidationException>();
        foreach (var user in rows)
        {
            try { batch.AddServer(new ServerSpec { Username = user }, force: false); }
            catch (ConfigurationValidationException e) { errors.Add(e); }
        }
        Assert.False(File.Exists(store.Path)); // nothing written before the end of the pipeline
        Assert.Empty(batch.Commit());

        var e1 = Assert.Single(errors);
        Assert.Equal(("OutlookUsernameRequired", "Username"), (e1.ErrorId, e1.Field));
        Assert.Contains("not-an-address", e1.Message);
        Assert.Equal(new[] { "john@example.com", "jane@example.com" }, store.Load().OutgoingServers.Select(s => s.Name));
    }

    [Fact]
    public void A_batch_that_is_never_committed_writes_nothing()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        store.Update(c => c.Parameters["a"] = "1");
        var bytes = File.ReadAllBytes(store.Path);
        var batch = new ConfigurationBatch(store);
        for (var i = 0; i < 100; i++) batch.AddServer(new ServerSpec { Username = $"u{i}@example.com" }, false);
        // pipeline stopped (Ctrl+C): EndProcessing never runs, so Commit is never called
        Assert.Equal(bytes, File.ReadAllBytes(store.Path));
    }

    [Fact]
    public void Later_rows_see_earlier_rows_so_duplicates_inside_one_pipeline_are_refused()
    {
        using var dir = new TempDirectory();
        var batch = new ConfigurationBatch(new ConfigurationStore(dir.File("c.yaml")));
        batch.AddServer(new ServerSpec { Username = "john@example.com" }, false);
        var e = Assert.Throws<ConfigurationValidationException>(() => batch.AddServer(new ServerSpec { Username = "JOHN@example.com" }, false));
        Assert.Equal("ServerAlreadyExists", e.ErrorId);
    }

    [Fact]
    public void Force_updates_an_existing_server_in_place_keeping_its_position()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var b1 = new ConfigurationBatch(store);
        b1.AddServer(new ServerSpec { Username = "a@example.com" }, false);
        b1.AddServer(new ServerSpec { Username = "b@example.com" }, false);
        b1.Commit();

        var b2 = new ConfigurationBatch(store);
        var updated = (OutgoingMailServer)b2.AddServer(new ServerSpec { Username = "a@example.com", Sequence = 1, FromFilter = "a@example.com,example.com" }, force: true);
        b2.Commit();

        Assert.Equal((1, "a@example.com,example.com"), (updated.Sequence, updated.FromFilter));
        var saved = store.Load().OutgoingServers;
        Assert.Equal(new[] { "a@example.com", "b@example.com" }, saved.Select(s => s.Name));
        Assert.Equal(1, saved[0].Sequence);
    }

    [Fact]
    public void Set_changes_only_the_given_fields_and_revalidates()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var b1 = new ConfigurationBatch(store);
        b1.AddServer(new ServerSpec { Username = "a@example.com", Sequence = 5 }, false);
        b1.Commit();

        var b2 = new ConfigurationBatch(store);
        b2.SetServer("a@example.com", MailServerDirection.Outgoing, new ServerSpec { Port = 25 });
        var bad = Assert.Throws<ConfigurationValidationException>(() =>
            b2.SetServer("a@example.com", MailServerDirection.Outgoing, new ServerSpec { Encryption = SmtpEncryption.Ssl }));
        Assert.Equal("OutlookRequiresStartTls", bad.ErrorId);
        b2.Commit();

        var s = (OutgoingMailServer)store.Load().OutgoingServers.Single();
        Assert.Equal((25, 5, SmtpEncryption.StartTls, "a@example.com"), (s.Port, s.Sequence, s.Encryption, s.FromFilter));
    }

    [Fact]
    public void Changing_the_username_of_a_server_whose_filter_was_its_username_moves_the_filter_along()
    {
        using var dir = new TempDirectory();
        var batch = new ConfigurationBatch(new ConfigurationStore(dir.File("c.yaml")));
        batch.AddServer(new ServerSpec { Name = "notif", Username = "old@example.com" }, false);
        var s = (OutgoingMailServer)batch.SetServer("notif", MailServerDirection.Outgoing, new ServerSpec { Username = "new@example.com" });
        Assert.Equal("new@example.com", s.FromFilter);
    }

    [Fact]
    public void Rename_and_remove()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var b = new ConfigurationBatch(store);
        b.AddServer(new ServerSpec { Username = "a@example.com" }, false);
        b.AddServer(new ServerSpec { Username = "b@example.com" }, false);
        b.SetServer("a@example.com", MailServerDirection.Outgoing, new ServerSpec { NewName = "Alpha" });
        Assert.Equal("ServerAlreadyExists", Assert.Throws<ConfigurationValidationException>(() =>
            b.SetServer("Alpha", MailServerDirection.Outgoing, new ServerSpec { NewName = "B@EXAMPLE.COM" })).ErrorId);
        b.RemoveServer("b@example.com", MailServerDirection.Outgoing);
        Assert.Equal("ServerNotFound", Assert.Throws<ConfigurationValidationException>(() => b.RemoveServer("b@example.com", MailServerDirection.Outgoing)).ErrorId);
        b.Commit();
        Assert.Equal(new[] { "Alpha" }, store.Load().OutgoingServers.Select(s => s.Name));
    }

    [Fact]
    public void Commit_replays_on_the_current_file_so_a_concurrent_writer_loses_nothing_and_conflicts_are_reported()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var mine = new ConfigurationBatch(store);
        mine.AddServer(new ServerSpec { Username = "mine@example.com" }, false);
        mine.AddServer(new ServerSpec { Username = "both@example.com" }, false);

        var theirs = new ConfigurationBatch(new ConfigurationStore(store.Path));
        theirs.AddServer(new ServerSpec { Username = "theirs@example.com" }, false);
        theirs.AddServer(new ServerSpec { Username = "both@example.com" }, false);
        theirs.Commit();

        var failures = mine.Commit();
        var f = Assert.Single(failures);
        Assert.Equal("both@example.com", f.Target);
        Assert.Equal("ServerAlreadyExists", ((ConfigurationValidationException)f.Error).ErrorId);
        Assert.Equal(new[] { "theirs@example.com", "both@example.com", "mine@example.com" }, store.Load().OutgoingServers.Select(s => s.Name));
    }

    [Fact]
    public void Parameters_are_validated_set_and_removed_with_null()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var b = new ConfigurationBatch(store);
        b.SetParameter("mail.catchall.domain", "example.com");
        b.SetParameter("mail.default.from", "notifications");
        Assert.Equal("mail.catchall.domain", Assert.Throws<ConfigurationValidationException>(() => b.SetParameter("mail.catchall.domain", "not a domain")).Field);
        b.Commit();
        Assert.Equal("example.com", store.Load().Parameters["mail.catchall.domain"]);

        var b2 = new ConfigurationBatch(store);
        b2.SetParameter("mail.default.from", null);
        b2.Commit();
        Assert.False(store.Load().Parameters.ContainsKey("mail.default.from"));
    }

    [Fact]
    public void Output_objects_are_copies_that_carry_the_config_path()
    {
        using var dir = new TempDirectory();
        var batch = new ConfigurationBatch(new ConfigurationStore(dir.File("c.yaml")));
        var s = batch.AddServer(new ServerSpec { Username = "a@example.com" }, false);
        s.Port = 1;
        Assert.Equal(dir.File("c.yaml"), s.ConfigPath);
        Assert.Equal(587, batch.Find("a@example.com", MailServerDirection.Outgoing)!.Port);
    }
}
