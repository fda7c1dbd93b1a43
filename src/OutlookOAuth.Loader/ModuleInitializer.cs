using System.Management.Automation;

namespace OutlookOAuth;

/// <summary>Runs when PowerShell imports OutlookOAuth.Loader, the manifest's nested module, before it loads the
/// cmdlet assembly: routes OutlookOAuth.Core (and, through it, MSAL and YamlDotNet) into the module's private
/// AssemblyLoadContext before any cmdlet type needs it.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => DependencyLoadContext.Register();

    public void OnRemove(PSModuleInfo psModuleInfo) => DependencyLoadContext.Unregister();
}
