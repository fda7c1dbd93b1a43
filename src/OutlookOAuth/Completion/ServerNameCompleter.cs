using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Completion;

/// <summary>Completes -Name with the server names of the configuration file (-ConfigPath when typed, else the default),
/// of the -Direction typed, else both; the tooltip shows direction, endpoint and username. Internal: PowerShell creates
/// it through [ArgumentCompleter(typeof(...))], and it stays out of the module's exported types.</summary>
internal class ServerNameCompleter : IArgumentCompleter
{
    /// <summary>The one direction this parameter takes (Receive-OutlookMail: incoming), else null (then -Direction decides).</summary>
    protected virtual MailServerDirection? Only => null;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (CompletionSource.Load(fakeBoundParameters) is not { } config) yield break;
        var direction = Only;
        if (direction is null && fakeBoundParameters.Contains("Direction") &&
            Enum.TryParse<MailServerDirection>(fakeBoundParameters["Direction"]?.ToString(), ignoreCase: true, out var d))
            direction = d;
        var prefix = CompletionSource.Prefix(wordToComplete);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var server in config.AllServers)
        {
            if (direction is not null && server.Direction != direction) continue;
            if (!prefix.IsMatch(server.Name) || !seen.Add(server.Name)) continue;
            yield return new CompletionResult(CompletionSource.Quote(server.Name), server.Name, CompletionResultType.ParameterValue,
                $"{server.Direction} {server.Endpoint} {server.Username}".TrimEnd());
        }
    }
}
