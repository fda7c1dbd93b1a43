using System.Xml.Linq;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>Get-Help reads en-US/OutlookOAuth.dll-Help.xml (MAML), generated at build from the cmdlets' metadata
/// and XML documentation: every cmdlet has a synopsis, a documented parameter list and an example.</summary>
public class HelpTests : IClassFixture<ModuleLayout>
{
    static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10", Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    readonly ModuleLayout _m;
    readonly Dictionary<string, XElement> _help;

    public HelpTests(ModuleLayout m)
    {
        _m = m;
        var path = Path.Combine(m.ModuleDir, "en-US", "OutlookOAuth.dll-Help.xml");
        _help = XDocument.Load(path).Root!.Elements(Command + "command")
            .ToDictionary(c => c.Element(Command + "details")!.Element(Command + "name")!.Value);
    }

    [Theory, MemberData(nameof(CmdletMetadataTests.Cmdlets), MemberType = typeof(CmdletMetadataTests))]
    public void Every_cmdlet_has_a_synopsis_documented_parameters_and_an_example(string cmdlet)
    {
        var help = _help[cmdlet];
        Assert.NotEmpty(help.Element(Command + "details")!.Element(Maml + "description")!.Value.Trim());
        var parameters = help.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
        Assert.NotEmpty(parameters);
        foreach (var p in parameters)
            Assert.False(string.IsNullOrWhiteSpace(p.Element(Maml + "description")?.Value), $"{cmdlet} -{p.Element(Maml + "name")!.Value} has no description");
        Assert.NotEmpty(help.Descendants(Command + "example"));
        Assert.DoesNotContain(parameters, p => p.Element(Maml + "name")!.Value == "InputObject" && cmdlet.StartsWith("New-", StringComparison.Ordinal));
    }

    [Fact]
    public void The_about_topic_ships_with_the_module() =>
        Assert.Contains("about_OutlookOAuth", File.ReadAllText(Path.Combine(_m.ModuleDir, "en-US", "about_OutlookOAuth.help.txt")));
}
