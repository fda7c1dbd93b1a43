using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>What PowerShell will see of the cmdlets, read through MetadataLoadContext (no engine needed).</summary>
public class CmdletMetadataTests : IClassFixture<ModuleLayout>
{
    readonly ModuleLayout _m;
    public CmdletMetadataTests(ModuleLayout m) => _m = m;

    // Get-Verb of PowerShell 7.4.
    static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        "Add","Clear","Close","Copy","Enter","Exit","Find","Format","Get","Hide","Join","Lock","Move","New","Open","Optimize","Pop","Push","Redo",
        "Remove","Rename","Reset","Resize","Search","Select","Set","Show","Skip","Split","Step","Switch","Undo","Unlock","Watch",
        "Connect","Disconnect","Read","Receive","Send","Write",
        "Backup","Checkpoint","Compare","Compress","Convert","ConvertFrom","ConvertTo","Dismount","Edit","Expand","Export","Group","Import",
        "Initialize","Limit","Merge","Mount","Out","Publish","Restore","Save","Sync","Unpublish","Update",
        "Debug","Measure","Ping","Repair","Resolve","Test","Trace",
        "Approve","Assert","Build","Complete","Confirm","Deny","Deploy","Disable","Enable","Install","Invoke","Register","Request","Restart",
        "Resume","Start","Stop","Submit","Suspend","Uninstall","Unregister","Wait","Use","Block","Grant","Protect","Revoke","Unblock","Unprotect",
    };

    // Verbs that only read: every other verb changes something and must support -WhatIf/-Confirm.
    static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.Ordinal) { "Get", "Test", "Resolve", "Find", "Search", "Measure", "Show", "Compare", "Select" };

    // Cmdlets that never read the configuration (a -ConfigPath would bind from piped objects and do nothing).
    static readonly HashSet<string> WithoutConfiguration = new(StringComparer.Ordinal) { "Save-OutlookMailAttachment" };

    public static TheoryData<string> Cmdlets()
    {
        using var m = new ModuleLayout();
        var data = new TheoryData<string>();
        foreach (var t in m.CmdletTypes) data.Add(ModuleLayout.CmdletName(t));
        return data;
    }

    Type TypeOf(string cmdlet) => _m.CmdletTypes.Single(t => ModuleLayout.CmdletName(t) == cmdlet);

    static IEnumerable<(PropertyInfo Property, CustomAttributeData Parameter)> Parameters(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
         .SelectMany(p => p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute").Select(a => (p, a)));

    static string[] Aliases(PropertyInfo p) =>
        p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
         .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!)).ToArray();

    [Theory, MemberData(nameof(Cmdlets))]
    public void Cmdlet_uses_an_approved_verb_and_is_a_public_sealed_Command_class(string cmdlet)
    {
        var t = TypeOf(cmdlet);
        Assert.Contains(cmdlet.Split('-')[0], ApprovedVerbs);
        Assert.True(t.IsPublic && t.IsSealed, $"{t.Name} must be public sealed");
        Assert.Equal(cmdlet.Replace("-", "") + "Command", t.Name);
        Assert.Equal("OutlookOAuth.Commands", t.Namespace);
    }

    [Theory, MemberData(nameof(Cmdlets))]
    public void Cmdlet_that_changes_something_supports_WhatIf_and_Confirm(string cmdlet)
    {
        var attribute = ModuleLayout.Cmdlet(TypeOf(cmdlet))!;
        var verb = cmdlet.Split('-')[0];
        if (ReadOnlyVerbs.Contains(verb))
            Assert.False(ModuleLayout.Named<bool>(attribute, "SupportsShouldProcess"), $"{cmdlet} only reads; it should not offer -WhatIf");
        else
            Assert.True(ModuleLayout.Named<bool>(attribute, "SupportsShouldProcess"), $"{cmdlet} changes state and must declare SupportsShouldProcess");
        if (verb == "Remove")
            Assert.Equal(3 /* ConfirmImpact.High */, ModuleLayout.Named<int>(attribute, "ConfirmImpact"));
    }

    [Theory, MemberData(nameof(Cmdlets))]
    public void Cmdlet_declares_its_output_type_and_the_format_file_has_a_view_for_it(string cmdlet)
    {
        var outputs = TypeOf(cmdlet).GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (Type)v.Value!))
            .ToList();
        Assert.NotEmpty(outputs);
        var viewed = XDocument.Load(_m.FormatPath).Descendants("TypeName").Select(e => e.Value.Trim()).ToHashSet();
        foreach (var type in outputs.Where(o => o.Namespace?.StartsWith("OutlookOAuth", StringComparison.Ordinal) == true))
            Assert.True(viewed.Contains(type.FullName!), $"OutlookOAuth.Format.ps1xml has no view for {type.FullName} (output of {cmdlet})");
    }

    [Theory, MemberData(nameof(Cmdlets))]
    public void No_parameter_is_named_Host_and_ConfigPath_binds_by_property_name(string cmdlet)
    {
        var parameters = Parameters(TypeOf(cmdlet)).ToList();
        Assert.DoesNotContain(parameters, p => p.Property.Name == "Host");
        if (WithoutConfiguration.Contains(cmdlet))
        {
            Assert.DoesNotContain(parameters, p => p.Property.Name == "ConfigPath");
            return;
        }
        var config = Assert.Single(parameters, p => p.Property.Name == "ConfigPath");
        Assert.True(ModuleLayout.Named<bool>(config.Parameter, "ValueFromPipelineByPropertyName"));
    }

    [Fact]
    public void New_OutlookMailServer_binds_every_field_by_property_name_with_the_documented_aliases()
    {
        var parameters = Parameters(TypeOf("New-OutlookMailServer")).ToDictionary(p => p.Property.Name);
        foreach (var name in new[] { "Name", "Username", "FromFilter", "Direction", "HostName", "Port", "Sequence", "Priority", "Authentication", "Encryption", "ConfigPath" })
            Assert.True(ModuleLayout.Named<bool>(parameters[name].Parameter, "ValueFromPipelineByPropertyName"), name);
        Assert.Superset(new HashSet<string> { "Email", "UserPrincipalName", "Mail", "User" }, Aliases(parameters["Username"].Property).ToHashSet());
        Assert.Contains("Host", Aliases(parameters["HostName"].Property));
    }

    [Theory]
    [InlineData("Set-OutlookMailServer")]
    [InlineData("Remove-OutlookMailServer")]
    [InlineData("Get-OutlookMailServer")]
    public void Server_cmdlets_take_server_objects_by_Name_and_Direction(string cmdlet)
    {
        var parameters = Parameters(TypeOf(cmdlet)).ToDictionary(p => p.Property.Name);
        Assert.True(ModuleLayout.Named<bool>(parameters["Name"].Parameter, "ValueFromPipelineByPropertyName"));
        Assert.True(ModuleLayout.Named<bool>(parameters["Direction"].Parameter, "ValueFromPipelineByPropertyName"));
    }

    [Fact]
    public void Manifest_exports_exactly_the_cmdlets_of_the_assembly_explicitly()
    {
        var text = File.ReadAllText(_m.ManifestPath);
        var block = Regex.Match(text, @"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)").Groups["list"].Value;
        var exported = Regex.Matches(block, "'([^']+)'").Select(m => m.Groups[1].Value).Order().ToArray();
        Assert.Equal(_m.CmdletTypes.Select(ModuleLayout.CmdletName).Order().ToArray(), exported);
        Assert.DoesNotContain("*", block);
        foreach (var key in new[] { "FunctionsToExport", "VariablesToExport", "AliasesToExport" })
            Assert.Matches(key + @"\s*=\s*@\(\)", text);
        Assert.Matches(@"PowerShellVersion\s*=\s*'7\.4'", text);
        Assert.Matches(@"CompatiblePSEditions\s*=\s*@\('Core'\)", text);
        Assert.Matches(@"RootModule\s*=\s*'OutlookOAuth\.dll'", text);
    }

    [Fact]
    public void Format_file_is_valid_xml_with_table_views()
    {
        var doc = XDocument.Load(_m.FormatPath);
        var views = doc.Descendants("View").ToList();
        Assert.NotEmpty(views);
        Assert.All(views, v => Assert.NotNull(v.Element("TableControl") ?? v.Element("ListControl")));
    }
}
