using System.Reflection;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>Test-OutlookConnection as PowerShell will bind it (read through MetadataLoadContext).</summary>
public class TestOutlookConnectionMetadataTests : IClassFixture<ModuleLayout>
{
    readonly Type _type;
    readonly Dictionary<string, List<CustomAttributeData>> _parameters;

    public TestOutlookConnectionMetadataTests(ModuleLayout m)
    {
        _type = m.CmdletTypes.Single(t => ModuleLayout.CmdletName(t) == "Test-OutlookConnection");
        _parameters = _type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p.Name, Attributes: p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").ToList()))
            .Where(p => p.Attributes.Count > 0)
            .ToDictionary(p => p.Name, p => p.Attributes);
    }

    CustomAttributeData Parameter(string name) => Assert.Single(_parameters[name]);

    [Fact]
    public void Server_objects_bind_by_value_and_rows_by_Name_and_Direction()
    {
        Assert.True(ModuleLayout.Named<bool>(Parameter("InputObject"), "ValueFromPipeline"));
        Assert.Equal("InputObject", ModuleLayout.Named<string>(Parameter("InputObject"), "ParameterSetName"));
        Assert.True(ModuleLayout.Named<bool>(Parameter("Name"), "ValueFromPipelineByPropertyName"));
        Assert.True(ModuleLayout.Named<bool>(Parameter("Direction"), "ValueFromPipelineByPropertyName"));
        Assert.Equal("Name", ModuleLayout.Named<string>(Parameter("Name"), "ParameterSetName"));
        Assert.Equal("InputObject", ModuleLayout.Named<string>(ModuleLayout.Cmdlet(_type)!, "DefaultParameterSetName"));
    }

    [Fact]
    public void Offers_ThrottleLimit_Quiet_Recipient_and_TimeoutSeconds()
    {
        foreach (var name in new[] { "ThrottleLimit", "Quiet", "Recipient", "TimeoutSeconds", "ConfigPath" })
            Assert.True(_parameters.ContainsKey(name), name);
        Assert.Equal("System.Management.Automation.SwitchParameter", _type.GetProperty("Quiet")!.PropertyType.FullName);
        var range = _type.GetProperty("ThrottleLimit")!.GetCustomAttributesData().Single(a => a.AttributeType.Name == "ValidateRangeAttribute");
        Assert.Equal([1, 64], range.ConstructorArguments.Select(a => Convert.ToInt32(a.Value)));
    }

    [Fact]
    public void Declares_both_outputs_result_objects_and_booleans()
    {
        var outputs = _type.GetCustomAttributesData().Single(a => a.AttributeType.Name == "OutputTypeAttribute")
            .ConstructorArguments.SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.Value!).Select(v => ((Type)v.Value!).FullName).ToList();
        Assert.Equal(["OutlookOAuth.Mail.ConnectionTestResult", "System.Boolean"], outputs);
    }

    [Fact]
    public void Is_disposable_so_a_stopped_pipeline_releases_its_connections() =>
        Assert.Contains(_type.GetInterfaces(), i => i.FullName == "System.IDisposable");
}
