using System.Management.Automation;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Commands;

/// <summary>Base of the cmdlets that change the configuration: one <see cref="ConfigurationBatch"/> per pipeline,
/// each record validated as it arrives (a bad one is a non-terminating error with the record as TargetObject),
/// one save in EndProcessing. A stopped pipeline never reaches EndProcessing, so it writes nothing.</summary>
public abstract class ConfigurationChangeCmdlet : OutlookCmdlet
{
    ConfigurationBatch? _batch;

    /// <summary>The pipeline object itself (a CSV row, a server object), so that an error names the row that caused
    /// it. The other parameters bind from its properties.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Output the changed object (for Set-/Remove- cmdlets; New- always outputs).</summary>
    protected virtual bool OutputChanges => true;

    protected ConfigurationBatch Batch
    {
        get
        {
            var path = Store.Path;
            if (_batch is null || _batch.ConfigPath != path)
            {
                CommitPending();
                try { _batch = new ConfigurationBatch(Store); }
                catch (ConfigurationFileException e) { ThrowTerminatingError(ToErrorRecord(e, path)); }
            }
            return _batch!;
        }
    }

    /// <summary>The pipeline object being processed, or null for parameters given on the command line.</summary>
    protected object? CurrentRow() => MyInvocation.ExpectingInput ? InputObject : null;

    int _records;

    protected void Apply(Func<object?> change, object? row)
    {
        if (++_records % 500 == 0)
            WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, $"{_records} records checked; the file is saved once, at the end"));
        try
        {
            var result = change();
            if (result is not null && OutputChanges) WriteObject(result);
        }
        catch (Exception e) when (e is ConfigurationValidationException or ConfigurationFileException)
        {
            WriteError(ToErrorRecord(e, row ?? (object)BoundSummary()));
        }
    }

    string BoundSummary() => string.Join(" ", MyInvocation.BoundParameters.Select(p => $"-{p.Key} {p.Value}"));

    protected override void EndProcessing() => CommitPending();

    void CommitPending()
    {
        if (_batch is null) return;
        var batch = _batch;
        _batch = null;
        try
        {
            if (_records >= 500)
                WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, $"Saving {batch.ConfigPath}") { RecordType = ProgressRecordType.Completed });
            foreach (var (target, error) in batch.Commit())
                WriteError(ToErrorRecord(error, target));
        }
        catch (Exception e) when (e is ConfigurationFileException or ConfigurationLockException or IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ToErrorRecord(e, batch.ConfigPath));
        }
    }
}
