using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OutlookOAuth.Configuration;
using OutlookOAuth.Security;

namespace OutlookOAuth.Identity;

/// <summary>
/// The protected store of the module: per-server token partitions (an MSAL token cache of one account,
/// plus <see cref="TokenMetadata"/>), the client secret, the certificate password and per-server
/// passwords. Nothing of it ever goes to the YAML file.
/// <para>Protection comes from Microsoft.Identity.Client.Extensions.Msal storage (DPAPI on Windows,
/// Keychain on macOS, libsecret on Linux), verified by a write/read/clear; where none works the store
/// falls back to owner-only (0600) files in a 0700 directory and says so once, when the first item is stored
/// (<see cref="TakeWarning"/>).</para>
/// <para>Location: <c>$env:OUTLOOKOAUTH_TOKEN_STORE</c>, else <c>&lt;config dir&gt;/tokens</c>.
/// Each partition is its own item and its own lock, so account k of 1,000 costs what account 1 costs.</para>
/// </summary>
public sealed class TokenStore
{
    public const string LocationVariable = "OUTLOOKOAUTH_TOKEN_STORE";
    public const string DirectoryName = "tokens";
    public const string ClientSecretName = "application-client-secret";
    public const string CertificatePasswordName = "application-certificate-password";

    static readonly ConcurrentDictionary<string, (IBlobStorage Storage, string? Reason)> Backends = new();
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    readonly IBlobStorage _blobs;
    string? _pendingWarning;

    /// <param name="directory">The store directory.</param>
    /// <param name="protection">Null: the platform protection when it works, else owner-only files.
    /// <see cref="TokenStoreProtection.OwnerOnlyFile"/>: files, without trying the platform.</param>
    public TokenStore(string directory, TokenStoreProtection? protection = null)
    {
        Directory = Path.GetFullPath(directory);
        if (protection == TokenStoreProtection.OwnerOnlyFile)
            _blobs = new OwnerOnlyFileStorage(Directory);
        else
        {
            var (storage, reason) = Backends.GetOrAdd(Directory, d =>
            {
                OwnerOnlyFileStorage.EnsureDirectory(d);
                var platform = PlatformBlobStorage.TryCreate(d, StoreId(d), out var why);
                return platform is not null ? (platform, null) : (new OwnerOnlyFileStorage(d), why);
            });
            _blobs = storage;
            FallbackReason = reason;
        }
    }

    /// <summary>The folder of the token store of a configuration file: <c>$env:OUTLOOKOAUTH_TOKEN_STORE</c>, else
    /// <c>tokens/</c> beside the file (<see cref="ConfigurationContext.Tokens"/> opens it).</summary>
    public static string ResolveDirectory(string configPath, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var fromEnv = getEnvironment(LocationVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return Path.GetFullPath(fromEnv);
        var dir = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".";
        return Path.Combine(dir, DirectoryName);
    }

    public string Directory { get; }
    public TokenStoreProtection Protection => _blobs.Protection;
    /// <summary>Why the platform protection was not used (null when it is, or when files were asked for).</summary>
    public string? FallbackReason { get; }

    /// <summary>The warning about unprotected files, once: when this store wrote the first secret or token into a
    /// fallback store that held none (so an admin hears it when a secret first lands in a plain file, not on every
    /// command of every session). Null afterwards, and when the store is protected.</summary>
    public string? TakeWarning()
    {
        var warning = _pendingWarning;
        _pendingWarning = null;
        return warning;
    }

    /// <summary>The text of the fallback warning: where the items are, why no protection works, and what to do.</summary>
    public string UnprotectedWarning() =>
        $"The secret or token was stored unencrypted in an owner-only (0600) file in '{Directory}', readable by this user and root: " +
        $"no protected storage works here ({FallbackReason}). {ProtectionAdvice()} This is said once, when the first item is stored.";

    static string ProtectionAdvice() =>
        OperatingSystem.IsLinux()
            ? "To encrypt them, run in a session with a D-Bus session bus and an unlocked Secret Service keyring (for example gnome-keyring with libsecret-1-0 installed), or keep the folder on an encrypted disk; set $env:OUTLOOKOAUTH_TOKEN_STORE to move it."
            : "To encrypt them, use a user session where DPAPI (Windows) or the login Keychain (macOS) is available; set $env:OUTLOOKOAUTH_TOKEN_STORE to move the folder.";

    /// <summary>Called before an item is written: the first item of an unprotected fallback store queues the warning.</summary>
    void NoteWrite()
    {
        if (Protection != TokenStoreProtection.OwnerOnlyFile || FallbackReason is null || _pendingWarning is not null) return;
        bool empty;
        try { empty = !System.IO.Directory.Exists(Directory) || !System.IO.Directory.EnumerateFiles(Directory, "*.bin").Any(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { empty = true; }
        if (empty) _pendingWarning = UnprotectedWarning();
    }

    // ---- partitions -------------------------------------------------------------------------

    /// <summary>The partition of a server: direction, then a hash of its name and username.</summary>
    public static string PartitionKey(MailServer server)
    {
        var text = $"{server.Name.Trim().ToLowerInvariant()}\n{server.Username.Trim().ToLowerInvariant()}";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32].ToLowerInvariant();
        return $"{server.Direction.ToString().ToLowerInvariant()}-{hash}";
    }

    string MetadataPath(string key) => Path.Combine(Directory, key + ".json");

    public TokenMetadata? ReadMetadata(MailServer server)
    {
        try { return JsonSerializer.Deserialize<TokenMetadata>(File.ReadAllBytes(MetadataPath(PartitionKey(server))), Json); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException) { return null; }
    }

    /// <summary>The serialized MSAL token cache of the server (MSAL V3 format), or null.</summary>
    public byte[]? ReadCache(MailServer server) => _blobs.Read("cache-" + PartitionKey(server));

    /// <summary>Saves a partition; <paramref name="cache"/> null keeps the stored cache. The cache is
    /// written before the metadata so a reader never sees metadata without its tokens.</summary>
    public void Save(MailServer server, TokenMetadata metadata, byte[]? cache)
    {
        var key = PartitionKey(server);
        if (cache is not null) NoteWrite();
        OwnerOnlyFileStorage.EnsureDirectory(Directory);
        if (cache is not null) _blobs.Write("cache-" + key, cache);
        OwnerOnlyFileStorage.WriteOwnerOnly(Directory, MetadataPath(key), JsonSerializer.SerializeToUtf8Bytes(metadata, Json));
    }

    /// <summary>Removes a server's tokens; false when there were none.</summary>
    public bool Remove(MailServer server)
    {
        var key = PartitionKey(server);
        var existed = File.Exists(MetadataPath(key)) || _blobs.Read("cache-" + key) is not null;
        _blobs.Delete("cache-" + key);
        File.Delete(MetadataPath(key));
        return existed;
    }

    /// <summary>A cross-process lock on a server's partition (read, refresh, write back without losing a
    /// rotated refresh token to a concurrent refresh): the module's one lock (<see cref="FileLock"/>), on
    /// <c>&lt;partition&gt;.lock</c> in the store. Waits up to <paramref name="timeout"/> (60 s), telling
    /// <see cref="LockWaiting"/> once whom it waits for.</summary>
    /// <exception cref="FileLockedException">another process held it for <paramref name="timeout"/>
    /// (FilePath: the partition's lock file; Holder: that process).</exception>
    public IDisposable Lock(MailServer server, TimeSpan? timeout = null)
    {
        OwnerOnlyFileStorage.EnsureDirectory(Directory);
        var path = LockPath(server);
        try { return FileLock.Acquire(path, path, $"the tokens of {server}", "TokenStoreLocked", timeout ?? TimeSpan.FromSeconds(60), LockWaiting); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw OwnerOnlyFileStorage.Failure(e, path, write: true); }
    }

    /// <summary>The lock file of a server's partition.</summary>
    public string LockPath(MailServer server) => Path.Combine(Directory, PartitionKey(server) + ".lock");

    /// <summary>Called once when <see cref="Lock"/> has to wait for another process, with a sentence naming the holder.</summary>
    public Action<string>? LockWaiting { get; set; }

    // ---- secrets ----------------------------------------------------------------------------

    /// <summary>The item name of a server's password (servers using password authentication).</summary>
    public static string ServerPasswordName(MailServer server) => "password-" + PartitionKey(server);

    public void SetSecret(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        NoteWrite();
        _blobs.Write(name, Encoding.UTF8.GetBytes(value));
    }

    public string? GetSecret(string name) => _blobs.Read(name) is { } b ? Encoding.UTF8.GetString(b) : null;

    public bool HasSecret(string name) => _blobs.Read(name) is not null;

    public void RemoveSecret(string name) => _blobs.Delete(name);

    static string StoreId(string directory) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..16].ToLowerInvariant();
}
