using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Lists system parameters (mail.default.from, mail.catchall.domain, ...).</para>
/// </summary>
/// <example><code>Get-MailSystemParameter -Name mail.*</code><para>The mail parameters, with a Problem column for invalid hand-edited values.</para></example>
[Cmdlet(VerbsCommon.Get, "MailSystemParameter")]
[OutputType(typeof(MailSystemParameter))]
public sealed class GetMailSystemParameterCommand : OutlookCmdlet
{
    /// <summary>Parameter names to show (wildcards allowed); all when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Key")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.SystemParameterNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var config = LoadConfiguration();

        foreach (var pattern in Name ?? ["*"])
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var found = false;
            foreach (var (key, value) in config.Parameters)
            {
                if (!wildcard.IsMatch(key)) continue;
                found = true;
                WriteObject(new MailSystemParameter(key, value, Context.Path));
            }
            if (!found && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteFailure(SystemParameters.NotSet(pattern, Context.Path), pattern);
        }
    }
}
