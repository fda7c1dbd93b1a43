using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Sets a system parameter such as mail.default.from or mail.catchall.domain; $null removes it.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MailSystemParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MailSystemParameter))]
public sealed class SetMailSystemParameterCommand : ConfigurationChangeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Key")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowNull, AllowEmptyString]
    public string? Value { get; set; }

    /// <summary>Output the parameter as saved.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var value = string.IsNullOrEmpty(Value) ? null : Value;
        var action = value is null ? $"Remove system parameter '{Name}'" : $"Set system parameter '{Name}' = '{value}'";
        Apply(() =>
        {
            if (!ShouldProcess(Batch.ConfigPath, action)) return null;
            Batch.SetParameter(Name, value);
            return PassThru && value is not null ? new MailSystemParameter(Name, value, Batch.ConfigPath) : null;
        }, CurrentRow());
    }
}
