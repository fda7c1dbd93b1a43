using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>The fast parser for the module's own YAML subset must agree with YamlDotNet on every file.</summary>
public class FastParserTests
{
    [Fact]
    public void Files_the_module_writes_take_the_fast_path()
    {
        Assert.NotNull(CanonicalYamlParser.TryParse(ConfigurationSerializer.Serialize(SerializerTests.Sample())));
        Assert.NotNull(CanonicalYamlParser.TryParse(ConfigurationSerializer.Serialize(new OutlookConfiguration())));
    }

    [Theory]
    [InlineData("version: 1\nparameters: {a: b}\n")]
    [InlineData("version: 1\nparameters:\n  a: 'single'\n")]
    [InlineData("version: 1 # trailing comment\n")]
    [InlineData("version: 1\nparameters:\n  a: |\n    block\n")]
    [InlineData("---\nversion: 1\n")]
    public void Other_yaml_falls_back_to_YamlDotNet(string text) => Assert.Null(CanonicalYamlParser.TryParse(text));

    public static TheoryData<string> Texts()
    {
        var data = new TheoryData<string>
        {
            ConfigurationSerializer.Serialize(SerializerTests.Sample()),
            "# hand-written\nversion: 1\n\nparameters:\n    mail.default.from:   notifications   \n    x: \"a\\u00e9\\\"b\"\noutgoingServers:\n  - name: a@example.com\n    port: 25\n    active: false\nincomingServers:\n",
            "version: 1\r\nparameters:\r\n  k: v\r\n",
            "version: 1\noutgoingServers:\n- name: a\n  port: 1\n- name: b\n  username:\n  host: h\n",
        };
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Configuration", "Malformed"), "*.yaml").Order())
            data.Add(File.ReadAllText(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Fast_and_YamlDotNet_parsers_give_the_same_result_or_the_same_error(string text)
    {
        string Outcome(bool fast)
        {
            try { return ConfigurationSerializer.Serialize(ConfigurationSerializer.Parse(text, "f.yaml", fast)); }
            catch (ConfigurationFileException e) { return "error " + e.Message; }
        }
        Assert.Equal(Outcome(fast: false), Outcome(fast: true));
    }
}
