using System.Diagnostics;
using System.Reflection;
using OutlookOAuth.Security;
using OutlookOAuth.Configuration;
using Xunit;
using TestProcess = OutlookOAuth.Tests.TestProcess;

namespace OutlookOAuth.Tests.Configuration;

public class StoreTests
{
    [Fact]
    public void Missing_file_loads_as_empty_and_first_write_creates_owner_only_file_and_directory()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "nested", "OutlookOAuth", "config.yaml");
        var store = new ConfigurationStore(path);
        Assert.Empty(store.Load().AllServers);
        Assert.False(File.Exists(path));

        store.Update(c => c.Parameters["mail.catchall.domain"] = "example.com");

        Assert.Equal("example.com", store.Load().Parameters["mail.catchall.domain"]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
    }

    [Fact]
    public void Unchanged_configuration_is_not_rewritten()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        store.Update(c => c.OutgoingServers.AddRange(SerializerTests.Sample().OutgoingServers));
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(store.Path, stamp);
        var bytes = File.ReadAllBytes(store.Path);

        store.Update(c => { c.Parameters["tmp"] = "x"; c.Parameters.Remove("tmp"); });

        Assert.Equal(stamp, File.GetLastWriteTimeUtc(store.Path));
        Assert.Equal(bytes, File.ReadAllBytes(store.Path));
    }

    [Fact]
    public void A_failing_change_writes_nothing()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        store.Update(c => c.Parameters["a"] = "1");
        var bytes = File.ReadAllBytes(store.Path);
        Assert.Throws<InvalidOperationException>(() => store.Update(c => { c.Parameters["a"] = "2"; throw new InvalidOperationException("boom"); }));
        Assert.Equal(bytes, File.ReadAllBytes(store.Path));
    }

    [Fact]
    public void Crash_after_writing_the_new_file_but_before_the_rename_leaves_the_old_file_intact()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        store.Update(c => c.Parameters["a"] = "1");
        var before = File.ReadAllBytes(store.Path);
        string? temp = null;
        store.BeforeReplace = t => { temp = t; Assert.True(File.Exists(t)); throw new IOException("disk pulled"); };

        var e = Assert.Throws<ConfigurationAccessException>(() => store.Update(c => c.Parameters["a"] = "2"));
        Assert.Equal(("ConfigurationWriteFailed", store.Path), (e.ErrorId, e.FilePath));
        Assert.IsType<IOException>(e.InnerException);
        Assert.Contains("disk pulled", e.Message);

        Assert.Equal(before, File.ReadAllBytes(store.Path));
        Assert.NotNull(temp);
        Assert.False(File.Exists(temp)); // the half-done file is cleaned up
    }

    [Fact]
    public void Process_killed_before_the_rename_leaves_a_loadable_old_file()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml"));
        store.Update(c => c.OutgoingServers.AddRange(SerializerTests.Sample().OutgoingServers));
        var before = File.ReadAllBytes(store.Path);

        var (exit, _, _) = TestProcess.Run(null, "crash", store.Path);

        Assert.NotEqual(0, exit);
        Assert.Equal(before, File.ReadAllBytes(store.Path));
        Assert.Equal(4, store.Load().OutgoingServers.Count);
        // The orphan temp file of the dead process is a separate file; the configuration itself is never torn.
        Assert.Contains(Directory.GetFiles(dir.Path, ".c.yaml.*.tmp"), f => File.ReadAllText(f).Contains("crash@example.com"));
    }

    [Fact]
    public async Task Four_processes_adding_250_servers_each_lose_nothing()
    {
        using var dir = new TempDirectory();
        var path = dir.File("c.yaml");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() => TestProcess.Run(null, "add", path, $"p{p}", "250"))));
        foreach (var r in results) Assert.True(r.Exit == 0, r.Error);

        var config = new ConfigurationStore(path).Load();
        Assert.Equal(1000, config.OutgoingServers.Count);
        for (var p = 0; p < 4; p++)
            for (var i = 0; i < 250; i++)
                Assert.NotNull(config.Find($"p{p}-{i}@example.com", MailServerDirection.Outgoing));
    }

    [Fact]
    public void Lock_held_by_someone_else_times_out_with_a_clear_error()
    {
        using var dir = new TempDirectory();
        var store = new ConfigurationStore(dir.File("c.yaml")) { LockTimeout = TimeSpan.FromMilliseconds(300) };
        using (new FileStream(store.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<FileLockedException>(() => store.Update(c => c.Parameters["a"] = "1"));
            Assert.Contains(store.Path, e.Message);
        }
        store.Update(c => c.Parameters["a"] = "1");
        Assert.Equal("1", store.Load().Parameters["a"]);
    }

    [Fact]
    public void Config_path_comes_from_the_parameter_then_the_environment_then_the_per_user_default()
    {
        var env = new Dictionary<string, string?> { ["OUTLOOKOAUTH_CONFIG"] = "/srv/env.yaml", ["XDG_CONFIG_HOME"] = "/home/u/.xdg", ["HOME"] = "/home/u", ["APPDATA"] = @"C:\Users\u\AppData\Roaming" };
        Assert.Equal(Path.GetFullPath("/tmp/x.yaml"), ConfigurationPaths.Resolve("/tmp/x.yaml", k => env.GetValueOrDefault(k)));
        Assert.Equal(Path.GetFullPath("/srv/env.yaml"), ConfigurationPaths.Resolve(null, k => env.GetValueOrDefault(k)));
        env["OUTLOOKOAUTH_CONFIG"] = null;
        Assert.Equal(Path.Combine("/home/u/.xdg", "OutlookOAuth", "config.yaml"), ConfigurationPaths.DefaultPath(k => env.GetValueOrDefault(k), windows: false));
        env["XDG_CONFIG_HOME"] = null;
        Assert.Equal(Path.Combine("/home/u", ".config", "OutlookOAuth", "config.yaml"), ConfigurationPaths.DefaultPath(k => env.GetValueOrDefault(k), windows: false));
        Assert.Equal(Path.Combine(@"C:\Users\u\AppData\Roaming", "OutlookOAuth", "config.yaml"), ConfigurationPaths.DefaultPath(k => env.GetValueOrDefault(k), windows: true));
    }
}
