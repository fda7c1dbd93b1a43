using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>No PowerShell runs here, so the scripts that will run elsewhere (the Pester scenarios and the README's
/// examples) are checked against the cmdlets' metadata: every parameter they pass to an OutlookOAuth cmdlet exists
/// (by name or alias), and -WhatIf/-Confirm are used only on cmdlets that support them.</summary>
public class ScriptUsageTests : IClassFixture<ModuleLayout>
{
    readonly ModuleLayout _m;
    public ScriptUsageTests(ModuleLayout m) => _m = m;

    static readonly string[] CommonParameters =
    [
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
        "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    ];

    public static TheoryData<string> Scripts()
    {
        using var m = new ModuleLayout();
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(m.RepoRoot, "tests"), "*.ps1").Order()) data.Add(Path.GetRelativePath(m.RepoRoot, f));
        data.Add("README.md");
        data.Add(Path.Combine("docs", "accounts.md"));
        return data;
    }

    Dictionary<string, HashSet<string>> ParametersByCmdlet()
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in _m.CmdletTypes)
        {
            var names = new HashSet<string>(CommonParameters, StringComparer.OrdinalIgnoreCase);
            if (ModuleLayout.Named<bool>(ModuleLayout.Cmdlet(t)!, "SupportsShouldProcess")) { names.Add("WhatIf"); names.Add("Confirm"); }
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var attributes = p.GetCustomAttributesData();
                if (!attributes.Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute")) continue;
                names.Add(p.Name);
                foreach (var alias in attributes.Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute"))
                    foreach (var v in (IEnumerable<CustomAttributeTypedArgument>)alias.ConstructorArguments[0].Value!) names.Add((string)v.Value!);
            }
            result[ModuleLayout.CmdletName(t)] = names;
        }
        return result;
    }

    /// <summary>The parameters written after each use of <paramref name="cmdlet"/> at bracket depth 0, up to the end of
    /// its command (a pipe, a semicolon, a line end without a backtick, or a closing bracket).</summary>
    static IEnumerable<(string Parameter, int Line)> Uses(string text, string cmdlet)
    {
        foreach (Match m in Regex.Matches(text, @"(?<![\w-])" + Regex.Escape(cmdlet) + @"(?![\w-])", RegexOptions.IgnoreCase))
        {
            if (InStringOrComment(text, m.Index)) continue;
            var depth = 0;
            char? quote = null;
            for (var i = m.Index + m.Length; i < text.Length; i++)
            {
                var c = text[i];
                if (quote is not null) { if (c == quote) quote = null; else if (c == '`') i++; continue; }
                if (c is '\'' or '"') { quote = c; continue; }
                if (c == '`') { i++; continue; }
                if (c is '(' or '{' or '[' or '@' && (c != '@' || (i + 1 < text.Length && text[i + 1] is '(' or '{'))) { if (c != '@') depth++; continue; }
                if (c is ')' or '}' or ']') { if (--depth < 0) break; continue; }
                if (depth > 0) continue;
                if (c is '|' or ';' or '\n' or '#') break;
                if (c == '-' && i > 0 && char.IsWhiteSpace(text[i - 1]) && i + 1 < text.Length && char.IsLetter(text[i + 1]))
                {
                    var end = i + 1;
                    while (end < text.Length && char.IsLetterOrDigit(text[end])) end++;
                    yield return (text[(i + 1)..end], text[..i].Count(ch => ch == '\n') + 1);
                    i = end - 1;
                }
            }
        }
    }

    /// <summary>True when the position is inside a quoted string or a comment of its line (a mention, not a call).</summary>
    static bool InStringOrComment(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        char? quote = null;
        for (var i = start; i < index; i++)
        {
            var c = text[i];
            if (quote is not null) { if (c == quote) quote = null; continue; }
            if (c is '\'' or '"') quote = c;
            else if (c == '#') return true;
        }
        return quote is not null;
    }

    [Theory, MemberData(nameof(Scripts))]
    public void Every_parameter_passed_to_an_OutlookOAuth_cmdlet_exists(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(_m.RepoRoot, relativePath));
        var problems = new List<string>();
        var uses = 0;
        foreach (var (cmdlet, parameters) in ParametersByCmdlet())
            foreach (var (parameter, line) in Uses(text, cmdlet))
            {
                uses++;
                if (!parameters.Contains(parameter)) problems.Add($"{relativePath}:{line}: {cmdlet} has no parameter -{parameter}");
            }
        Assert.True(uses > 0 || relativePath.EndsWith("Lab.ps1"), $"{relativePath} passes no parameter to any OutlookOAuth cmdlet");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_checker_finds_a_wrong_parameter()
    {
        var uses = Uses("New-OutlookMailServer -Usernam a@b.c -Port (Get-Random -Minimum 1) | Set-OutlookMailServer -Sequence 2 `\n  -WhatIf", "New-OutlookMailServer").ToList();
        Assert.Equal(new[] { "Usernam", "Port" }, uses.Select(u => u.Parameter));
        var set = Uses("x | Set-OutlookMailServer -Sequence 2 `\n  -WhatIf", "Set-OutlookMailServer").Select(u => u.Parameter);
        Assert.Equal(new[] { "Sequence", "WhatIf" }, set);
    }
}
