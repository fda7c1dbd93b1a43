using System.Reflection;

namespace OutlookOAuth.Module.Tests;

/// <summary>The module folder assembled by the build (out/OutlookOAuth) and a MetadataLoadContext over it.</summary>
public sealed class ModuleLayout : IDisposable
{
    public ModuleLayout()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OutlookOAuth.sln"))) dir = dir.Parent;
        RepoRoot = dir?.FullName ?? throw new InvalidOperationException("OutlookOAuth.sln not found above " + AppContext.BaseDirectory);
        ModuleDir = Path.Combine(RepoRoot, "out", "OutlookOAuth");
        if (!File.Exists(CmdletAssemblyPath))
            throw new InvalidOperationException($"{CmdletAssemblyPath} is missing: build the solution first (dotnet build OutlookOAuth.sln).");

        var paths = new List<string>();
        paths.AddRange(Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll"));
        paths.Add(Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll"));
        paths.AddRange(Directory.GetFiles(ModuleDir, "*.dll"));
        paths.AddRange(Directory.GetFiles(DependenciesDir, "*.dll"));
        var byName = paths.GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase).Select(g => g.Last());
        Context = new MetadataLoadContext(new PathAssemblyResolver(byName), coreAssemblyName: "System.Runtime");
        CmdletAssembly = Context.LoadFromAssemblyPath(CmdletAssemblyPath);
    }

    public string RepoRoot { get; }
    public string ModuleDir { get; }
    public string DependenciesDir => Path.Combine(ModuleDir, "Dependencies");
    public string CmdletAssemblyPath => Path.Combine(ModuleDir, "OutlookOAuth.dll");
    public string ManifestPath => Path.Combine(ModuleDir, "OutlookOAuth.psd1");
    public string FormatPath => Path.Combine(ModuleDir, "OutlookOAuth.Format.ps1xml");
    public MetadataLoadContext Context { get; }
    public Assembly CmdletAssembly { get; }

    public IEnumerable<Type> CmdletTypes => CmdletAssembly.GetTypes().Where(t => Cmdlet(t) is not null);

    public static CustomAttributeData? Cmdlet(Type t) =>
        t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute");

    public static string CmdletName(Type t)
    {
        var a = Cmdlet(t)!;
        return $"{a.ConstructorArguments[0].Value}-{a.ConstructorArguments[1].Value}";
    }

    public static T? Named<T>(CustomAttributeData a, string name) =>
        a.NamedArguments.Where(n => n.MemberName == name).Select(n => (T?)n.TypedValue.Value).FirstOrDefault();

    public void Dispose() => Context.Dispose();
}
