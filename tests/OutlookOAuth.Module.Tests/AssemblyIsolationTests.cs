using System.Reflection;
using System.Runtime.Loader;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>MSAL version clashes between modules are the most reported failure of peer modules: the cmdlet
/// assembly must only reference the core, and the core and third-party assemblies must load into the module's
/// own AssemblyLoadContext from Dependencies/.</summary>
[Collection(AssemblyLoadingCollection.Name)]
public class AssemblyIsolationTests : IClassFixture<ModuleLayout>
{
    readonly ModuleLayout _m;
    public AssemblyIsolationTests(ModuleLayout m) => _m = m;

    [Fact]
    public void Cmdlet_assembly_references_neither_MSAL_nor_YamlDotNet()
    {
        var references = _m.CmdletAssembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();
        Assert.Contains("OutlookOAuth.Core", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Identity", StringComparison.Ordinal));
        Assert.DoesNotContain("YamlDotNet", references);
        Assert.DoesNotContain(references, r => r is "MailKit" or "MimeKit" or "BouncyCastle.Cryptography");
    }

    [Fact]
    public void Core_references_no_PowerShell_assembly()
    {
        var core = _m.Context.LoadFromAssemblyPath(Path.Combine(_m.DependenciesDir, "OutlookOAuth.Core.dll"));
        Assert.DoesNotContain(core.GetReferencedAssemblies(), r => r.Name == "System.Management.Automation");
    }

    [Fact]
    public void Module_folder_has_the_cmdlet_assembly_on_top_and_everything_else_under_Dependencies()
    {
        var top = Directory.GetFiles(_m.ModuleDir, "*.dll").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "OutlookOAuth.dll", "OutlookOAuth.Loader.dll" }, top);
        Assert.True(File.Exists(_m.ManifestPath));
        Assert.True(File.Exists(_m.FormatPath));
        var deps = Directory.GetFiles(_m.DependenciesDir, "*.dll").Select(Path.GetFileName).ToHashSet();
        Assert.Superset(new HashSet<string?> { "OutlookOAuth.Core.dll", "YamlDotNet.dll", "Microsoft.Identity.Client.dll", "Microsoft.Identity.Client.Extensions.Msal.dll",
            "MailKit.dll", "MimeKit.dll", "BouncyCastle.Cryptography.dll" }, deps);
        Assert.DoesNotContain("System.Management.Automation.dll", deps);
        Assert.DoesNotContain("OutlookOAuth.dll", deps);
    }

    [Fact]
    public void Core_and_its_dependencies_load_into_the_private_context_when_the_host_context_asks_for_the_core()
    {
        // As in PowerShell: the loader sits in the host's context and its initializer hooks that context. A fresh context
        // plays the host, so that nothing of this test stays in the test process's default context.
        var host = new AssemblyLoadContext("host-" + Guid.NewGuid().ToString("N")[..6]);
        var loader = host.LoadFromAssemblyPath(Path.Combine(_m.ModuleDir, "OutlookOAuth.Loader.dll"));
        loader.GetType("OutlookOAuth.DependencyLoadContext", throwOnError: true)!.GetMethod("Register")!.Invoke(null, null);

        var core = host.LoadFromAssemblyName(new AssemblyName("OutlookOAuth.Core"));

        var context = AssemblyLoadContext.GetLoadContext(core)!;
        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.NotSame(host, context);
        Assert.Equal("OutlookOAuth-Dependencies", context.Name);
        Assert.Equal(Path.Combine(_m.DependenciesDir, "OutlookOAuth.Core.dll"), core.Location);

        // Run core code that needs YamlDotNet: it must come from Dependencies/ into the same private context.
        var serializer = core.GetType("OutlookOAuth.Configuration.ConfigurationSerializer", throwOnError: true)!;
        var configType = core.GetType("OutlookOAuth.Configuration.OutlookConfiguration", throwOnError: true)!;
        var parsed = serializer.GetMethod("Parse")!.Invoke(null, new object[] { "version: 1\n", "x.yaml" });
        Assert.IsType(configType, parsed);
        var yaml = context.Assemblies.Single(a => a.GetName().Name == "YamlDotNet");
        Assert.Equal(Path.Combine(_m.DependenciesDir, "YamlDotNet.dll"), yaml.Location);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "YamlDotNet");
    }

    [Fact]
    public void Our_MSAL_comes_from_Dependencies_and_the_framework_from_the_shared_runtime()
    {
        var context = new AssemblyLoadContext("host-" + Guid.NewGuid().ToString("N")[..6])
            .LoadFromAssemblyPath(Path.Combine(_m.ModuleDir, "OutlookOAuth.Loader.dll"))
            .GetType("OutlookOAuth.DependencyLoadContext", throwOnError: true)!;
        var ours = (AssemblyLoadContext)Activator.CreateInstance(context, _m.DependenciesDir)!;
        var msal = ours.LoadFromAssemblyName(new AssemblyName("Microsoft.Identity.Client"));
        Assert.Equal(Path.Combine(_m.DependenciesDir, "Microsoft.Identity.Client.dll"), msal.Location);
        Assert.Same(ours, AssemblyLoadContext.GetLoadContext(msal));
        foreach (var name in new[] { "MailKit", "MimeKit", "BouncyCastle.Cryptography" })
        {
            var mail = ours.LoadFromAssemblyName(new AssemblyName(name));
            Assert.Equal(Path.Combine(_m.DependenciesDir, name + ".dll"), mail.Location);
            Assert.Same(ours, AssemblyLoadContext.GetLoadContext(mail));
        }
        // Framework assemblies are not duplicated: they come from the shared framework.
        var runtime = ours.LoadFromAssemblyName(new AssemblyName("System.Runtime"));
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(runtime));
    }

    [Fact]
    public void MailKit_MimeKit_and_BouncyCastle_load_into_the_private_context_when_core_mail_code_runs()
    {
        var host = new AssemblyLoadContext("host-" + Guid.NewGuid().ToString("N")[..6]);
        var loader = host.LoadFromAssemblyPath(Path.Combine(_m.ModuleDir, "OutlookOAuth.Loader.dll"));
        loader.GetType("OutlookOAuth.DependencyLoadContext", throwOnError: true)!.GetMethod("Register")!.Invoke(null, null);
        var core = host.LoadFromAssemblyName(new AssemblyName("OutlookOAuth.Core"));
        var context = AssemblyLoadContext.GetLoadContext(core)!;

        // The connector's choice of SecureSocketOptions is a MailKit enum: running it loads MailKit (and MimeKit, which
        // MailKit's SmtpClient needs, and BouncyCastle, which MimeKit's cryptography needs) in the private context.
        var server = Activator.CreateInstance(core.GetType("OutlookOAuth.Configuration.OutgoingMailServer", throwOnError: true)!)!;
        var connector = core.GetType("OutlookOAuth.Mail.MailClientConnector", throwOnError: true)!;
        var options = connector.GetMethod("SecureSocketOptionsFor")!.Invoke(null, [server])!;
        Assert.Equal("StartTls", options.ToString());
        var mailKit = options.GetType().Assembly;
        Assert.Equal("MailKit", mailKit.GetName().Name);
        Assert.Equal(Path.Combine(_m.DependenciesDir, "MailKit.dll"), mailKit.Location);
        Assert.Same(context, AssemblyLoadContext.GetLoadContext(mailKit));
        var smtpClient = Activator.CreateInstance(mailKit.GetType("MailKit.Net.Smtp.SmtpClient", throwOnError: true)!)!;
        ((IDisposable)smtpClient).Dispose();
        var mimeKit = context.Assemblies.Single(a => a.GetName().Name == "MimeKit");
        Assert.Equal(Path.Combine(_m.DependenciesDir, "MimeKit.dll"), mimeKit.Location);
        var bouncy = context.LoadFromAssemblyName(new AssemblyName("BouncyCastle.Cryptography"));
        Assert.Equal(Path.Combine(_m.DependenciesDir, "BouncyCastle.Cryptography.dll"), bouncy.Location);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "MailKit" or "MimeKit" or "BouncyCastle.Cryptography");
        Assert.DoesNotContain(host.Assemblies, a => a.GetName().Name is "MailKit" or "MimeKit" or "BouncyCastle.Cryptography");
    }
}
