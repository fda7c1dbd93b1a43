using System.Text;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>The protected store: location, owner-only fallback files, per-server partitions, secrets,
/// the one-time warning, and the cross-process lock.</summary>
public sealed class TokenStoreTests : IDisposable
{
    readonly TempStore _tmp = new();
    public void Dispose() => _tmp.Dispose();

    static TokenMetadata Meta(string user) => new()
    {
        Username = user, Flow = SignInFlow.Browser, ConnectedOn = DateTimeOffset.UtcNow, LastRefreshOn = DateTimeOffset.UtcNow,
        AccessTokenExpiresOn = DateTimeOffset.UtcNow.AddHours(1), HomeAccountId = "uid.utid",
    };

    [Fact]
    public void The_location_follows_the_config_path_unless_OUTLOOKOAUTH_TOKEN_STORE_is_set()
    {
        var cfg = Path.Combine(_tmp.Root, "sub", "config.yaml");
        Assert.Equal(Path.Combine(_tmp.Root, "sub", "tokens"), TokenStore.ResolveDirectory(cfg, _ => null));
        var other = Path.Combine(_tmp.Root, "elsewhere");
        Assert.Equal(other, TokenStore.ResolveDirectory(cfg, k => k == TokenStore.LocationVariable ? other : null));
    }

    [Fact]
    public void A_store_the_system_refuses_is_a_token_store_failure_naming_the_path_and_leaves_nothing_behind()
    {
        var notAFolder = Path.Combine(_tmp.Root, "tokens-is-a-file");
        File.WriteAllText(notAFolder, "x");
        var store = new TokenStore(notAFolder, TokenStoreProtection.OwnerOnlyFile);
        var e = Assert.Throws<OutlookOAuthException>(() => store.Save(Servers.Outgoing("alice@example.com"), Meta("alice@example.com"), [1, 2]));
        Assert.Equal(("TokenStoreWriteFailed", FailureKind.Write), (e.ErrorId, e.Kind));
        Assert.Contains(notAFolder, e.Message);
        Assert.NotNull(e.Hint);
        Assert.Equal("x", File.ReadAllText(notAFolder));
    }

    [Fact]
    public void A_partition_round_trips_and_its_files_are_0600_in_a_0700_directory()
    {
        var server = Servers.Outgoing("alice@example.com");
        _tmp.Store.Save(server, Meta("alice@example.com"), Encoding.UTF8.GetBytes("{\"msal\":\"cache\"}"));
        Assert.Equal("{\"msal\":\"cache\"}", Encoding.UTF8.GetString(_tmp.Store.ReadCache(server)!));
        Assert.Equal("uid.utid", _tmp.Store.ReadMetadata(server)!.HomeAccountId);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_tmp.Store.Directory));
            var files = Directory.GetFiles(_tmp.Store.Directory).Where(f => !f.EndsWith(".lock")).ToList();
            Assert.Equal(2, files.Count);
            foreach (var f in files) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
        }
    }

    [Fact]
    public void A_pre_existing_open_directory_is_tightened_to_0700()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = Path.Combine(_tmp.Root, "open");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777
        var store = new TokenStore(dir, TokenStoreProtection.OwnerOnlyFile);
        store.SetSecret(TokenStore.ClientSecretName, "x-secret");
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(dir)); // 0700
    }

    [Fact]
    public void Partitions_are_per_direction_name_and_username()
    {
        var a = Servers.Outgoing("alice@example.com");
        var keys = new[]
        {
            TokenStore.PartitionKey(a),
            TokenStore.PartitionKey(Servers.Incoming("alice@example.com")),
            TokenStore.PartitionKey(Servers.Outgoing("alice@example.com", "other-name")),
            TokenStore.PartitionKey(Servers.Outgoing("bob@example.com", "alice@example.com")),
        };
        Assert.Equal(4, keys.Distinct().Count());
        Assert.Equal(TokenStore.PartitionKey(a), TokenStore.PartitionKey(Servers.Outgoing("ALICE@example.com", "Alice@Example.com")));
        Assert.DoesNotContain("alice", keys[0]);

        _tmp.Store.Save(a, Meta("alice@example.com"), new byte[] { 1 });
        Assert.Null(_tmp.Store.ReadMetadata(Servers.Incoming("alice@example.com")));
        Assert.True(_tmp.Store.Remove(a));
        Assert.False(_tmp.Store.Remove(a));
        Assert.Null(_tmp.Store.ReadCache(a));
    }

    [Fact]
    public void Secrets_round_trip_and_are_removable()
    {
        _tmp.Store.SetSecret(TokenStore.ClientSecretName, "the-secret-value");
        Assert.True(_tmp.Store.HasSecret(TokenStore.ClientSecretName));
        Assert.Equal("the-secret-value", _tmp.Store.GetSecret(TokenStore.ClientSecretName));
        var pw = TokenStore.ServerPasswordName(Servers.Outgoing("alice@example.com"));
        _tmp.Store.SetSecret(pw, "smtp-password");
        Assert.Equal("smtp-password", new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile).GetSecret(pw));
        _tmp.Store.RemoveSecret(TokenStore.ClientSecretName);
        Assert.Null(_tmp.Store.GetSecret(TokenStore.ClientSecretName));
        Assert.Equal("smtp-password", _tmp.Store.GetSecret(pw));
    }

    [Fact]
    public void Metadata_holds_no_token()
    {
        var server = Servers.Outgoing("alice@example.com");
        _tmp.Store.Save(server, Meta("alice@example.com"), Encoding.UTF8.GetBytes("REFRESH-TOKEN-SECRET"));
        var json = File.ReadAllText(Path.Combine(_tmp.Store.Directory, TokenStore.PartitionKey(server) + ".json"));
        Assert.DoesNotContain("REFRESH-TOKEN-SECRET", json);
        Assert.Contains("\"Flow\": \"Browser\"", json);
    }

    [Fact]
    public void Automatic_protection_either_works_or_falls_back_to_owner_only_files_with_one_warning_when_the_first_item_is_stored()
    {
        var dir = Path.Combine(_tmp.Root, "auto");
        var store = new TokenStore(dir);
        Assert.Null(store.TakeWarning()); // opening the store says nothing: only storing an item does
        store.SetSecret(TokenStore.ClientSecretName, "auto-secret");
        Assert.Equal("auto-secret", new TokenStore(dir).GetSecret(TokenStore.ClientSecretName));
        if (store.Protection == TokenStoreProtection.OwnerOnlyFile)
        {
            Assert.NotNull(store.FallbackReason);
            Assert.DoesNotContain("inner exception", store.FallbackReason, StringComparison.OrdinalIgnoreCase);
            var warning = store.TakeWarning();
            Assert.NotNull(warning);
            Assert.Contains("0600", warning);
            Assert.Contains(dir, warning);
            Assert.Contains("OUTLOOKOAUTH_TOKEN_STORE", warning); // an action, not only a cause
            Assert.Null(store.TakeWarning());
            // A later session (a new store object) storing more items is not told again: the store already held items.
            var later = new TokenStore(dir);
            later.SetSecret(TokenStore.CertificatePasswordName, "pfx-password");
            later.Save(Servers.Outgoing("alice@example.com"), Meta("alice@example.com"), Encoding.UTF8.GetBytes("cache"));
            Assert.Null(later.TakeWarning());
            Assert.True(File.Exists(Path.Combine(dir, TokenStore.ClientSecretName + ".bin")));
        }
        else
        {
            Assert.Null(store.TakeWarning());
            Assert.False(File.Exists(Path.Combine(dir, TokenStore.ClientSecretName + ".bin")) &&
                         File.ReadAllText(Path.Combine(dir, TokenStore.ClientSecretName + ".bin")).Contains("auto-secret"));
        }
    }

    [Fact]
    public void The_cause_of_a_failed_persistence_check_is_the_inner_exception_not_its_pointer()
    {
        var e = new InvalidOperationException("Persistence check failed. Inspect inner exception for details",
            new DllNotFoundException("Unable to load shared library 'libsecret-1.so.0' or one of its dependencies. In order to help diagnose loading problems, consider using strace."));
        Assert.Equal("Unable to load shared library 'libsecret-1.so.0' or one of its dependencies", PlatformBlobStorage.Cause(e));
    }

    [Fact]
    public void Explicit_owner_only_files_do_not_warn()
    {
        Assert.Null(_tmp.Store.TakeWarning());
        Assert.Equal(TokenStoreProtection.OwnerOnlyFile, _tmp.Store.Protection);
    }

    [Fact]
    public void The_partition_lock_excludes_another_holder_until_released()
    {
        var server = Servers.Outgoing("alice@example.com");
        var other = new TokenStore(_tmp.Store.Directory, TokenStoreProtection.OwnerOnlyFile);
        using (_tmp.Store.Lock(server))
        {
            var e = Assert.Throws<FileLockedException>(() => other.Lock(server, TimeSpan.FromMilliseconds(300)));
            Assert.Equal((other.LockPath(server), "TokenStoreLocked"), (e.FilePath, e.ErrorId));
            Assert.StartsWith($"The tokens of {server} is locked by", e.Message);
            using (other.Lock(Servers.Incoming("alice@example.com"), TimeSpan.FromMilliseconds(300))) { } // other partitions are free
        }
        using (other.Lock(server, TimeSpan.FromMilliseconds(300))) { }
    }

    [Fact]
    public void The_partition_lock_is_the_modules_one_file_lock_and_names_a_holder_in_another_process()
    {
        var server = Servers.Outgoing("alice@example.com");
        var lockPath = _tmp.Store.LockPath(server);
        Directory.CreateDirectory(_tmp.Store.Directory);
        using (FileLock.Acquire(lockPath, lockPath, "the test file", "TestLocked", TimeSpan.FromSeconds(1))) // the configuration store's lock type
            Assert.Throws<FileLockedException>(() => _tmp.Store.Lock(server, TimeSpan.FromMilliseconds(200)));

        using var holder = TestProcess.Start("hold-token-lock", _tmp.Store.Directory, "alice@example.com", "4");
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(lockPath + ".owner") && watch.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            string? told = null;
            _tmp.Store.LockWaiting = m => told = m;
            var e = Assert.Throws<FileLockedException>(() => _tmp.Store.Lock(server, TimeSpan.FromMilliseconds(300)));
            Assert.Equal(lockPath, e.FilePath);
            Assert.StartsWith($"process {holder.Id} (", e.Holder);
            Assert.Contains($"held by process {holder.Id} (", told);
            Assert.Throws<FileLockedException>(() => FileLock.Acquire(lockPath, lockPath, "the test file", "TestLocked", TimeSpan.FromMilliseconds(200)));
        }
        finally { holder.WaitForExit(60_000); }
        Assert.Equal(0, holder.ExitCode);
        using (_tmp.Store.Lock(server, TimeSpan.FromSeconds(5))) { } // free once the holder is gone
        Assert.False(File.Exists(lockPath + ".owner"));
    }

    [Fact]
    public void Status_is_computed_from_stored_data_only()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var m = new TokenMetadata { Flow = SignInFlow.Browser, LastRefreshOn = now.AddDays(-10), AccessTokenExpiresOn = now.AddMinutes(1) };
        Assert.Equal(TokenStatus.Valid, m.StatusAt(now));
        Assert.Equal(TokenStatus.Refreshable, m.StatusAt(now.AddMinutes(2)));
        Assert.Equal(TokenStatus.Refreshable, m.StatusAt(now.AddDays(79)));
        Assert.Equal(TokenStatus.Expired, m.StatusAt(now.AddDays(81)));
        m.RefreshRejectedOn = now;
        Assert.Equal(TokenStatus.Expired, m.StatusAt(now));
        var app = new TokenMetadata { Flow = SignInFlow.AppOnly, LastRefreshOn = now.AddDays(-400), AccessTokenExpiresOn = now.AddMinutes(-1) };
        Assert.Equal(TokenStatus.Refreshable, app.StatusAt(now));

        var server = Servers.Outgoing("alice@example.com");
        var service = new TokenStatusService(_tmp.Store, clock: new FixedClock(now));
        Assert.Equal(TokenStatus.Missing, service.GetStatus(server));
        _tmp.Store.Save(server, new TokenMetadata { Flow = SignInFlow.Browser, LastRefreshOn = now.AddDays(-91) }, new byte[] { 1 });
        Assert.Equal(TokenStatus.Expired, service.Annotate(server).TokenStatus);
    }
}
