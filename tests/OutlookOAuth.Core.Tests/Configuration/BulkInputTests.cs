using System.Diagnostics;
using System.Text;
using OutlookOAuth.Security;
using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>Issue 9: a pipeline row is read whole (no silent defaults), only saved changes are reported saved,
/// -WhatIf previews only what a real run saves, and I/O failures name the path and the cause at once.</summary>
public class BulkInputTests
{
    [Theory]
    [InlineData("Direction", "Sideways", "Outgoing, Incoming")]
    [InlineData("Port", "abc", "whole number from 1 to 65535")]
    [InlineData("Port", "0", "whole number from 1 to 65535")]
    [InlineData("Encryption", "tls", "None, StartTls, Ssl")]
    [InlineData("Authentication", "oauth", "Outlook, Password")]
    [InlineData("Active", "nope", "true or false")]
    [InlineData("Direction", "1", "Outgoing, Incoming")]
    public void A_cell_that_does_not_convert_is_refused_naming_row_column_and_value(string field, string value, string expected)
    {
        var spec = new ServerSpec();
        var e = Assert.Throws<ConfigurationValidationException>(() => ServerRow.Set(spec, field, value, field, 7));
        Assert.Equal("InvalidColumnValue", e.ErrorId);
        Assert.Equal(field, e.Field);
        Assert.Contains("Row 7", e.Message);
        Assert.Contains($"'{field}'", e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.NotNull(e.Hint);
    }

    [Theory]
    [InlineData("Port")]
    [InlineData("FromFilter")]
    [InlineData("Direction")]
    [InlineData("Active")]
    [InlineData("Sequence")]
    public void A_blank_cell_means_not_given(string field)
    {
        var spec = new ServerSpec();
        ServerRow.Set(spec, field, "  ", field, 1);
        ServerRow.Set(spec, field, null, field, 1);
        Assert.True(spec.IsEmpty);
        Assert.Null(spec.Direction);
    }

    [Fact]
    public void Cells_convert_case_insensitively_and_Active_false_is_honoured()
    {
        var spec = new ServerSpec();
        ServerRow.Set(spec, "Direction", "incoming", "Direction", 1);
        ServerRow.Set(spec, "Port", " 993 ", "Port", 1);
        ServerRow.Set(spec, "Active", "FALSE", "Active", 1);
        ServerRow.Set(spec, "Username", "box@example.com", "Email", 1);
        var server = spec.CreateServer();
        Assert.Equal((MailServerDirection.Incoming, 993, false), (server.Direction, server.Port, server.Active));
        var outgoing = new ServerSpec();
        ServerRow.Set(outgoing, "Encryption", "STARTTLS", "Encryption", 1);
        ServerRow.Set(outgoing, "Sequence", 20, "Sequence", 1);
        Assert.Equal((SmtpEncryption.StartTls, 20), (outgoing.Encryption, outgoing.Sequence));
    }

    [Fact]
    public void Convert_gives_the_typed_value_of_a_cell_or_null_when_blank()
    {
        Assert.Equal(587, ServerRow.Convert("Port", "587", "Port", 1));
        Assert.Equal(SmtpEncryption.StartTls, ServerRow.Convert("Encryption", "starttls", "Encryption", 1));
        Assert.Equal(false, ServerRow.Convert("Active", "False", "Active", 1));
        Assert.Null(ServerRow.Convert("Direction", "", "Direction", 1));
        Assert.Throws<ConfigurationValidationException>(() => ServerRow.Convert("Port", "abc", "Port", 1));
    }

    [Fact]
    public void A_setting_of_the_other_direction_is_refused_with_the_fix()
    {
        var e = Assert.Throws<ConfigurationValidationException>(() =>
            new ServerSpec { Username = "box@example.com", Direction = MailServerDirection.Incoming, Sequence = 20 }.CreateServer());
        Assert.Equal(("ParameterNotForDirection", "Sequence"), (e.ErrorId, e.Field));
        Assert.Contains("Priority", e.Message);
        Assert.Equal(new[] { "Sequence" }, new ServerSpec { Sequence = 1, Ssl = true }.NotFor(MailServerDirection.Incoming));
    }

    [Fact]
    public void WhatIf_previews_only_what_the_real_run_saves_and_a_declined_change_is_not_seen_by_later_rows()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var preview = new ConfigurationBatch(store);
        var asked = new List<string>();
        ChangeDecision Ask(MailServer s) { asked.Add(s.Name); return ChangeDecision.Preview; }
        Assert.Null(preview.AddServer(new ServerSpec { Username = "john@example.com" }, false, Ask, "row 1"));
        Assert.Throws<ConfigurationValidationException>(() => preview.AddServer(new ServerSpec { Username = "john@example.com" }, false, Ask, "row 2"));
        Assert.Throws<ConfigurationValidationException>(() => preview.AddServer(new ServerSpec { Username = "not-an-address" }, false, Ask, "row 3"));
        Assert.Equal(new[] { "john@example.com" }, asked); // rows 2 and 3 are refused, never previewed
        Assert.Equal(0, preview.Count);
        Assert.Empty(preview.Save());
        Assert.False(File.Exists(store.Path));

        var declined = new ConfigurationBatch(store);
        Assert.Null(declined.AddServer(new ServerSpec { Username = "john@example.com" }, false, _ => ChangeDecision.Skip, "row 1"));
        Assert.NotNull(declined.AddServer(new ServerSpec { Username = "john@example.com" }, false, _ => ChangeDecision.Save, "row 2"));
        var outcome = Assert.Single(declined.Save());
        Assert.Equal(("row 2", "john@example.com"), (outcome.Source, outcome.Server!.Name));
    }

    [Fact]
    public void Save_reports_each_change_as_saved_or_with_the_reason_it_no_longer_applies()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        var mine = new ConfigurationBatch(store);
        mine.AddServer(new ServerSpec { Username = "a@example.com" }, false, null, "row 1");
        mine.AddServer(new ServerSpec { Username = "b@example.com" }, false, null, "row 2");
        var other = new ConfigurationBatch(store);
        other.AddServer(new ServerSpec { Username = "b@example.com" }, false);
        other.Commit();

        var outcomes = mine.Save();
        Assert.Equal(2, outcomes.Count);
        Assert.Equal((0, "row 1", "a@example.com"), (outcomes[0].Index, outcomes[0].Source, outcomes[0].Server!.Name));
        Assert.Equal(store.Path, outcomes[0].Server!.ConfigPath);
        Assert.Equal(("row 2", "ServerAlreadyExists"), (outcomes[1].Source, outcomes[1].Error!.ErrorId));
        Assert.Null(outcomes[1].Server);
    }

    [Fact]
    public void A_byte_that_is_not_UTF8_is_refused_at_its_line_and_column_and_the_file_is_not_rewritten()
    {
        using var dir = new TempDirectory();
        var path = dir.File("c.yaml");
        var bytes = Encoding.UTF8.GetBytes("version: 1\nparameters:\n  mail.default.from: caf").Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();
        File.WriteAllBytes(path, bytes);
        var store = new ConfigurationStore(path);
        var e = Assert.Throws<ConfigurationFileException>(() => store.Load());
        Assert.Equal((3L, 25L), (e.Line, e.Column));
        Assert.Contains("0xE9", e.Message);
        Assert.Throws<ConfigurationFileException>(() => store.Update(c => c.Parameters["x"] = "y"));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_read_only_file_is_refused_not_replaced()
    {
        if (OperatingSystem.IsWindows()) return;
        using var dir = new TempDirectory();
        var path = dir.File("c.yaml");
        var store = new ConfigurationStore(path);
        store.Update(c => c.Parameters["mail.default.from"] = "notifications");
        var before = File.ReadAllBytes(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var e = Assert.Throws<ConfigurationAccessException>(() => store.Update(c => c.Parameters["mail.default.from"] = "other"));
        Assert.Equal(("ConfigurationReadOnly", path), (e.ErrorId, e.FilePath));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_folder_is_refused_for_reading_and_writing()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.Path);
        Assert.Equal("ConfigurationPathIsFolder", Assert.Throws<ConfigurationAccessException>(() => store.Load()).ErrorId);
        Assert.Equal("ConfigurationPathIsFolder", Assert.Throws<ConfigurationAccessException>(() => store.Update(c => c.Parameters["a"] = "b")).ErrorId);
    }

    [Fact]
    public void Writing_where_no_file_can_be_created_fails_at_once_naming_the_path_and_the_cause()
    {
        if (!OperatingSystem.IsLinux()) return;
        var store = new ConfigurationStore("/proc/outlookoauth-test.yaml");
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ConfigurationAccessException>(() => store.Update(c => c.Parameters["a"] = "b"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.StartsWith("Configuration", e.ErrorId);
        Assert.Contains("/proc/outlookoauth-test.yaml", e.Message);
        Assert.IsNotType<FileLockedException>(e);
    }

    [Fact]
    public void Missing_file_is_an_error_only_when_asked_for()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("missing.yaml"));
        Assert.Empty(store.Load().AllServers);
        Assert.Equal("ConfigurationFileNotFound", Assert.Throws<ConfigurationAccessException>(() => store.LoadExisting()).ErrorId);
    }

    [Fact]
    public void A_real_lock_waits_and_says_who_holds_it()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml")) { LockTimeout = TimeSpan.FromMilliseconds(300) };
        using (var held = new FileStream(store.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            File.WriteAllText(store.LockPath + ".owner", $"{Environment.ProcessId} holder {Environment.MachineName}");
            string? told = null;
            store.LockWaiting = m => told = m;
            var e = Assert.Throws<FileLockedException>(() => store.Update(c => c.Parameters["a"] = "b"));
            Assert.Contains($"process {Environment.ProcessId} (holder)", told);
            Assert.Equal($"process {Environment.ProcessId} (holder)", e.Holder);
            Assert.Contains("holder", e.Message);
        }
        store.Update(c => c.Parameters["a"] = "b");
        Assert.False(File.Exists(store.LockPath + ".owner")); // removed by its holder before the lock is released
    }
}
