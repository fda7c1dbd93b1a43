using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>Converts a typed server parameter's argument with the core's rules (<see cref="ServerRow"/>): a blank
/// string is "not given", "true"/"587"/"starttls" become their values without PowerShell's slower conversions (which
/// throw, and are skipped silently, on every blank enum cell of a CSV), and a bad value is left to PowerShell's
/// conversion. Rows are still read whole by <see cref="ConfigurationChangeCmdlet.ReadRow"/>, which names row and column.</summary>
[AttributeUsage(AttributeTargets.Property)]
sealed class ServerFieldAttribute : ArgumentTransformationAttribute
{
    public ServerFieldAttribute(string field) => Field = field;

    public string Field { get; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject p ? p.BaseObject : inputData;
        if (value is not string) return inputData;
        // A value the core cannot convert is handed on unchanged: PowerShell's own conversion then refuses it on the
        // command line, and skips it for a pipeline row, whose reading by ReadRow names row, column and value.
        try { return ServerRow.Convert(Field, value, Field, 0); }
        catch (ConfigurationValidationException) { return inputData; }
    }
}
