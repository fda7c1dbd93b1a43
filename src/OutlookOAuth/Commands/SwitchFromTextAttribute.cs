using System.Management.Automation;

namespace OutlookOAuth.Commands;

/// <summary>Lets a switch bind from a CSV column: the texts true/false, yes/no, 1/0 (any case, blank = false) become the
/// switch's value. PowerShell itself refuses to bind a string to a switch ("Boolean parameters accept only Boolean
/// values and numbers"), which would fail every row of an <c>Import-Csv</c> pipeline that has the column. Internal, like
/// the completers: PowerShell reads it through reflection, and nothing outside the module needs the type.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SwitchFromTextAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        if (value is not string text) return inputData;
        return text.Trim().ToLowerInvariant() switch
        {
            "" or "false" or "no" or "0" or "$false" => new SwitchParameter(false),
            "true" or "yes" or "1" or "$true" => new SwitchParameter(true),
            _ => throw new ArgumentTransformationMetadataException($"'{text}' is not true or false (use true/false, yes/no or 1/0)."),
        };
    }
}
