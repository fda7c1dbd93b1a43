using System.Reflection;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>The account cmdlets as PowerShell binds them: server objects by Name/Direction/ConfigPath from the
/// pipeline, secrets only as SecureString, the flows as exclusive parameter sets.</summary>
public class IdentityCmdletTests : IClassFixture<ModuleLayout>
{
    readonly ModuleLayout _m;
    public IdentityCmdletTests(ModuleLayout m) => _m = m;

    Type TypeOf(string cmdlet) => _m.CmdletTypes.Single(t => ModuleLayout.CmdletName(t) == cmdlet);

    static List<(PropertyInfo Property, CustomAttributeData Parameter)> Parameters(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
         .SelectMany(p => p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").Select(a => (p, a)))
         .ToList();

    [Theory]
    [InlineData("Connect-OutlookAccount")]
    [InlineData("Disconnect-OutlookAccount")]
    public void Account_cmdlets_take_server_objects_from_the_pipeline(string cmdlet)
    {
        var parameters = Parameters(TypeOf(cmdlet));
        foreach (var name in new[] { "Name", "Direction", "ConfigPath" })
            Assert.True(ModuleLayout.Named<bool>(parameters.First(p => p.Property.Name == name).Parameter, "ValueFromPipelineByPropertyName"), $"{cmdlet} -{name}");
    }

    [Fact]
    public void Set_OutlookApplication_takes_secrets_only_as_SecureString()
    {
        var parameters = Parameters(TypeOf("Set-OutlookApplication")).Select(p => p.Property).ToList();
        Assert.Equal("System.Security.SecureString", parameters.Single(p => p.Name == "ClientSecret").PropertyType.FullName);
        Assert.Equal("System.Security.SecureString", parameters.Single(p => p.Name == "CertificatePassword").PropertyType.FullName);
        var plain = parameters.Where(p => p.PropertyType.FullName == "System.String" && (p.Name.Contains("Secret") || p.Name.Contains("Password")));
        Assert.Equal(new[] { "ClientSecretFromEnvironment" }, plain.Select(p => p.Name).ToArray()); // a variable name, not a secret
    }

    [Fact]
    public void Connect_OutlookAccount_flows_are_exclusive_parameter_sets()
    {
        var parameters = Parameters(TypeOf("Connect-OutlookAccount"));
        string? SetOf(string name) => ModuleLayout.Named<string>(parameters.Single(p => p.Property.Name == name).Parameter, "ParameterSetName");
        Assert.Equal(new[] { "AppOnly", "Browser", "DeviceCode", "Silent" },
            new[] { SetOf("DeviceCode"), SetOf("AppOnly"), SetOf("Silent"), SetOf("RedirectUri") }.Order().ToArray());
        Assert.Equal("Browser", ModuleLayout.Named<string>(ModuleLayout.Cmdlet(TypeOf("Connect-OutlookAccount"))!, "DefaultParameterSetName"));
    }
}
