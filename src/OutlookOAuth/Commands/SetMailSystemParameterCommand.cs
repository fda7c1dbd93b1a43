using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sets a system parameter such as mail.default.from or mail.catchall.domain; $null removes it.</para>
/// <para type="description">Names are used exactly as Odoo reads them (case-sensitive): a name with surrounding
/// whitespace, or a case variant of a known name (MAIL.CATCHALL.DOMAIN), is refused with the known name as the hint.
/// An empty value is refused; only $null removes a parameter.</para>
/// </summary>
/// <example><code>Set-MailSystemParameter -Name mail.catchall.domain -Value example.com</code><para>Sets the catchall domain; with mail.default.from = notifications the notifications address is notifications@example.com.</para></example>
/// <example><code>Set-MailSystemParameter -Name mail.bounce.alias -Value $null</code><para>Removes the parameter.</para></example>
[Cmdlet(VerbsCommon.Set, "MailSystemParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MailSystemParameter))]
public sealed class SetMailSystemParameterCommand : ConfigurationChangeCmdlet
{
    /// <summary>Creates the file -ConfigPath names when it is missing.</summary>
    protected override bool CreatesConfiguration => true;

    /// <summary>The parameter, e.g. mail.catchall.domain, mail.default.from, mail.bounce.alias, web.base.url.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Key")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.SystemParameterNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The new value; $null removes the parameter (an empty or blank value is refused). Known parameters are validated.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowNull, AllowEmptyString]
    public string? Value { get; set; }

    /// <summary>Output the parameter as saved.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var value = Value; // only $null removes: "" is refused by the core (EmptyParameterValue), never read as "remove"
        var action = value is null ? $"Remove system parameter '{Name}'" : $"Set system parameter '{Name}' = '{value}'";
        Apply(() =>
        {
            if (!ShouldProcess(Batch.ConfigPath, action)) return null;
            Batch.SetParameter(Name, value);
            return PassThru && value is not null ? new MailSystemParameter(Name, value, Batch.ConfigPath) : null;
        }, CurrentRow());
    }
}
