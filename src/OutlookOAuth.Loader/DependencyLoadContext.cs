using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace OutlookOAuth;

/// <summary>
/// The module's private AssemblyLoadContext. The cmdlet assembly lives in PowerShell's default context and
/// references only OutlookOAuth.Core; the core and every third-party assembly (MSAL, YamlDotNet, ...) are
/// loaded from <c>Dependencies/</c> into this context, so another module's MSAL version cannot clash with ours.
/// (The "resolving handler" pattern of PowerShell's dependency-conflict guidance.) This class lives in
/// OutlookOAuth.Loader, which references nothing of ours, so that the hook is in place before PowerShell loads the
/// cmdlet types: their fields use the core's enums, and loading them needs the core.
/// </summary>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    public const string CoreAssemblyName = "OutlookOAuth.Core";
    static readonly object Gate = new();
    static DependencyLoadContext? _instance;
    static bool _registered;

    readonly string _directory;

    public DependencyLoadContext(string dependencyDirectory) : base("OutlookOAuth-Dependencies", isCollectible: false) =>
        _directory = dependencyDirectory;

    /// <summary>Dependencies/ next to this assembly (the module folder).</summary>
    public static string DefaultDirectory =>
        Path.Combine(Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, "Dependencies");

    public static DependencyLoadContext Instance
    {
        get { lock (Gate) return _instance ??= new DependencyLoadContext(DefaultDirectory); }
    }

    public string Directory => _directory;

    /// <summary>The context PowerShell loaded the module into (its default context in practice).</summary>
    static AssemblyLoadContext HostContext => GetLoadContext(typeof(DependencyLoadContext).Assembly) ?? Default;

    /// <summary>Hooks the host context so that a request for OutlookOAuth.Core is served from this context.
    /// Idempotent.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            HostContext.Resolving += ResolveCoreInPrivateContext;
            _registered = true;
        }
    }

    public static void Unregister()
    {
        lock (Gate)
        {
            if (!_registered) return;
            HostContext.Resolving -= ResolveCoreInPrivateContext;
            _registered = false;
        }
    }

    static Assembly? ResolveCoreInPrivateContext(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == CoreAssemblyName ? Instance.LoadFromAssemblyName(name) : null;

    /// <summary>Loads an assembly found in Dependencies/ (platform-specific copies under runtimes/ first);
    /// anything else (the shared framework) falls back to the default context.</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = FindAssembly(assemblyName.Name + ".dll");
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>The file that would be loaded for <paramref name="fileName"/>, or null.</summary>
    public string? FindAssembly(string fileName)
    {
        if (OperatingSystem.IsWindows())
        {
            var runtimes = Path.Combine(_directory, "runtimes", "win", "lib");
            if (System.IO.Directory.Exists(runtimes))
                foreach (var tfm in System.IO.Directory.GetDirectories(runtimes).OrderByDescending(d => d, StringComparer.Ordinal))
                {
                    var candidate = Path.Combine(tfm, fileName);
                    if (File.Exists(candidate)) return candidate;
                }
        }
        var direct = Path.Combine(_directory, fileName);
        return File.Exists(direct) ? direct : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var candidate = Path.Combine(_directory, "runtimes", rid, "native", unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
