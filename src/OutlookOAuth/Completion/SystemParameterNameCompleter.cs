using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Completion;

/// <summary>Completes -Name of Get-/Set-MailSystemParameter: the parameters this module knows (validated ones first),
/// then the other keys of the configuration file.</summary>
internal sealed class SystemParameterNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionSource.Prefix(wordToComplete);
        var config = CompletionSource.Load(fakeBoundParameters);
        var names = SystemParameters.Known.Select(k => (Name: k, Tip: config?.GetParameter(k) is { } v ? $"{k} = {v} (known, validated)" : $"{k} (known, validated)"))
            .Concat((config?.Parameters ?? new SortedDictionary<string, string>()).Where(p => !SystemParameters.Known.Contains(p.Key)).Select(p => (Name: p.Key, Tip: $"{p.Key} = {p.Value}")));
        foreach (var (name, tip) in names)
            if (prefix.IsMatch(name))
                yield return new CompletionResult(CompletionSource.Quote(name), name, CompletionResultType.ParameterValue, tip);
    }
}
