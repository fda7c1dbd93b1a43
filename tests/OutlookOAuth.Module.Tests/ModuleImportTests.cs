using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>
/// Replays what PowerShell's Import-Module does with the built folder, in a host context standing in for PowerShell's
/// default one: load the nested module (OutlookOAuth.Loader.dll), read its exported types and run its
/// IModuleAssemblyInitializer, then load the root module (OutlookOAuth.dll) and read its exported types — which loads
/// every cmdlet type, and with them the core's enums used by their fields. System.Management.Automation is a stand-in
/// (tests/FakePowerShell) with the types that loading needs.
/// </summary>
[Collection(AssemblyLoadingCollection.Name)]
public class ModuleImportTests : IClassFixture<ModuleLayout>
{
    readonly ModuleLayout _m;
    public ModuleImportTests(ModuleLayout m) => _m = m;

    /// <summary>PowerShell's context: System.Management.Automation is PowerShell's own; everything else falls back to the
    /// shared framework, then to the Resolving event (where the loader hooks in).</summary>
    sealed class PowerShellHost(string smaPath) : AssemblyLoadContext("powershell-host-" + Guid.NewGuid().ToString("N")[..6])
    {
        protected override Assembly? Load(AssemblyName name) => name.Name == "System.Management.Automation" ? LoadFromAssemblyPath(smaPath) : null;
    }

    string FakeSma()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!)!;
        var path = Path.Combine(_m.RepoRoot, "tests", "FakePowerShell", "bin", configuration, "net8.0", "System.Management.Automation.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build tests/FakePowerShell");
        return path;
    }

    static void RunInitializers(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes().Where(t => !t.IsAbstract && t.GetInterface("System.Management.Automation.IModuleAssemblyInitializer") is not null))
            type.GetMethod("OnImport")!.Invoke(Activator.CreateInstance(type), null);
    }

    [Fact]
    public void Import_in_PowerShells_order_loads_every_cmdlet_type_with_the_core_in_the_private_context()
    {
        var host = new PowerShellHost(FakeSma());

        // NestedModules first: the loader, and its initializer.
        var loader = host.LoadFromAssemblyPath(Path.Combine(_m.ModuleDir, "OutlookOAuth.Loader.dll"));
        Assert.DoesNotContain(loader.GetReferencedAssemblies(), r => r.Name!.StartsWith("OutlookOAuth", StringComparison.Ordinal));
        RunInitializers(loader);

        // Then the root module: PowerShell reads its exported types before anything else.
        var cmdlets = host.LoadFromAssemblyPath(_m.CmdletAssemblyPath);
        var types = cmdlets.GetExportedTypes();
        var cmdletTypes = types.Where(t => t.Namespace == "OutlookOAuth.Commands" && t.Name.EndsWith("Command", StringComparison.Ordinal)).ToList();
        Assert.Equal(_m.CmdletTypes.Count(), cmdletTypes.Count);

        var core = host.Assemblies.Concat(AssemblyLoadContext.All.SelectMany(c => c.Assemblies))
            .First(a => a.GetName().Name == "OutlookOAuth.Core" && a.Location.StartsWith(_m.DependenciesDir, StringComparison.Ordinal));
        var context = AssemblyLoadContext.GetLoadContext(core)!;
        Assert.Equal("OutlookOAuth-Dependencies", context.Name);
        Assert.NotSame(host, context);
        Assert.NotSame(AssemblyLoadContext.Default, context);
        // The cmdlets see exactly that core: a property type of a cmdlet is the private context's type.
        var direction = cmdletTypes.Single(t => t.Name == "NewOutlookMailServerCommand").GetProperty("Direction")!.PropertyType;
        Assert.Same(core, Nullable.GetUnderlyingType(direction)!.Assembly);
    }

    [Fact]
    public void Without_the_loader_first_the_cmdlet_types_cannot_load()
    {
        // Why the loader is a separate nested module: the cmdlet assembly's own initializer would run too late.
        var host = new PowerShellHost(FakeSma());
        var cmdlets = host.LoadFromAssemblyPath(_m.CmdletAssemblyPath);
        var e = Assert.ThrowsAny<Exception>(() => cmdlets.GetExportedTypes());
        Assert.Contains("OutlookOAuth.Core", e.Message);
    }

    [Fact]
    public void The_manifest_loads_the_loader_as_a_nested_module()
    {
        var text = File.ReadAllText(_m.ManifestPath);
        Assert.Matches(@"NestedModules\s*=\s*@\('OutlookOAuth\.Loader\.dll'\)", text);
        Assert.Matches(@"RootModule\s*=\s*'OutlookOAuth\.dll'", text);
    }
}

/// <summary>Tests that hook assembly loading in this process run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AssemblyLoadingCollection
{
    public const string Name = "Assembly loading";
}
