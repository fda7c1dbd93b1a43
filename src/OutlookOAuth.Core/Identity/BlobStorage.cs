using System.Diagnostics;
using Microsoft.Identity.Client.Extensions.Msal;
using OutlookOAuth.Security;

namespace OutlookOAuth.Identity;

/// <summary>How the token store protects what it holds.</summary>
public enum TokenStoreProtection
{
    /// <summary>Windows DPAPI (current user).</summary>
    Dpapi,
    /// <summary>macOS Keychain.</summary>
    Keychain,
    /// <summary>Linux Secret Service (libsecret, D-Bus).</summary>
    Keyring,
    /// <summary>A plain file readable by its owner only (0600, in a 0700 directory): headless Linux,
    /// containers and CI, where no keyring works.</summary>
    OwnerOnlyFile,
}

/// <summary>Named binary items of the token store.</summary>
internal interface IBlobStorage
{
    TokenStoreProtection Protection { get; }
    byte[]? Read(string item);
    void Write(string item, byte[] data);
    void Delete(string item);
}

/// <summary>Items kept by Microsoft.Identity.Client.Extensions.Msal's <see cref="Storage"/>: a DPAPI
/// file on Windows, a Keychain entry on macOS, a libsecret entry on Linux; one entry per item.</summary>
internal sealed class PlatformBlobStorage : IBlobStorage
{
    const string Service = "OutlookOAuth";
    const string Schema = "com.outlookoauth.tokens";
    readonly string _directory;
    readonly string _storeId;

    PlatformBlobStorage(string directory, string storeId)
    {
        _directory = directory;
        _storeId = storeId;
        Protection = OperatingSystem.IsWindows() ? TokenStoreProtection.Dpapi
            : OperatingSystem.IsMacOS() ? TokenStoreProtection.Keychain : TokenStoreProtection.Keyring;
    }

    public TokenStoreProtection Protection { get; }

    /// <summary>The platform storage when it works here (write, read back, clear), else null with the reason.</summary>
    public static PlatformBlobStorage? TryCreate(string directory, string storeId, out string? reason)
    {
        reason = null;
        var storage = new PlatformBlobStorage(directory, storeId);
        try
        {
            storage.Create("verify").VerifyPersistence();
            return storage;
        }
        catch (Exception e) when (e is MsalCachePersistenceException or DllNotFoundException or TypeInitializationException
                                      or EntryPointNotFoundException or PlatformNotSupportedException or InvalidOperationException)
        {
            reason = Cause(e);
            return null;
        }
    }

    /// <summary>The actual cause of a failed persistence check: MSAL's outer message only says "Inspect inner exception
    /// for details", so the innermost exceptions' first lines are named instead.</summary>
    internal static string Cause(Exception e)
    {
        var parts = new List<string>();
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
        {
            var line = x.Message.Split('\n')[0].Trim();
            if (line.Length == 0 || line.Contains("inner exception", StringComparison.OrdinalIgnoreCase)) continue;
            var sentence = line.IndexOf(". ", StringComparison.Ordinal);
            if (sentence > 0) line = line[..sentence]; // "Unable to load shared library 'libsecret-1.so.0' ...", not the strace advice
            if (parts.Contains(line)) continue;
            parts.Add(line);
        }
        return parts.Count == 0 ? e.GetType().Name : string.Join(": ", parts.TakeLast(2));
    }

    Storage Create(string item)
    {
        var props = new StorageCreationPropertiesBuilder(item + ".bin", _directory)
            .WithMacKeyChain(Service, $"{_storeId}/{item}")
            .WithLinuxKeyring(Schema, MsalCacheHelper.LinuxKeyRingDefaultCollection, "OutlookOAuth token store",
                new KeyValuePair<string, string>("store", _storeId), new KeyValuePair<string, string>("item", item))
            .Build();
        return Storage.Create(props, new TraceSource("OutlookOAuth.TokenStore", SourceLevels.Off));
    }

    public byte[]? Read(string item)
    {
        var data = Create(item).ReadData();
        return data is { Length: > 0 } ? data : null;
    }

    public void Write(string item, byte[] data) => Create(item).WriteData(data);

    public void Delete(string item) => Create(item).Clear(ignoreExceptions: true);
}

/// <summary>Items as files readable and writable by their owner only (0600) in a 0700 directory,
/// replaced atomically (temporary file + rename). Not encrypted: the fallback when no platform
/// protection works.</summary>
internal sealed class OwnerOnlyFileStorage : IBlobStorage
{
    readonly string _directory;

    public OwnerOnlyFileStorage(string directory) => _directory = directory;

    public TokenStoreProtection Protection => TokenStoreProtection.OwnerOnlyFile;

    string PathOf(string item) => Path.Combine(_directory, item + ".bin");

    public byte[]? Read(string item)
    {
        try { return File.ReadAllBytes(PathOf(item)); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Failure(e, PathOf(item), write: false); }
    }

    public void Write(string item, byte[] data) => WriteOwnerOnly(_directory, PathOf(item), data);

    public void Delete(string item)
    {
        try { File.Delete(PathOf(item)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Failure(e, PathOf(item), write: true); }
    }

    internal static void EnsureDirectory(string directory)
    {
        try { OwnerOnlyFile.EnsureDirectory(directory, tighten: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Failure(e, directory, write: true); }
    }

    /// <summary>Writes a file that only its owner can read, atomically.</summary>
    internal static void WriteOwnerOnly(string directory, string path, byte[] data)
    {
        EnsureDirectory(directory);
        try { OwnerOnlyFile.WriteAtomically(path, data, OwnerOnlyFile.FileMode); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Failure(e, path, write: true); }
    }

    /// <summary>A token store file the system refused: TokenStoreAccessDenied, TokenStoreReadFailed or TokenStoreWriteFailed,
    /// naming the file (never its content).</summary>
    internal static OutlookOAuthException Failure(Exception e, string path, bool write) => e is UnauthorizedAccessException
        ? new("TokenStoreAccessDenied", FailureKind.PermissionDenied, $"Cannot {(write ? "write" : "read")} the token store file '{path}': access denied.",
            $"Check the owner and permissions of the token store folder, or set ${{env:{TokenStore.LocationVariable}}} to a folder this user owns.", e) { Target = path }
        : new(write ? "TokenStoreWriteFailed" : "TokenStoreReadFailed", write ? FailureKind.Write : FailureKind.Read,
            $"Cannot {(write ? "write" : "read")} the token store file '{path}': {e.Message}",
            $"Check the disk and the token store folder, or set ${{env:{TokenStore.LocationVariable}}} to a folder on a local, writable file system.", e) { Target = path };
}
