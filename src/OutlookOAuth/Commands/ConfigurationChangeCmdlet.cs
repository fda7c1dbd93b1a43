using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>Base of the cmdlets that change the configuration: one <see cref="ConfigurationBatch"/> per pipeline,
/// each record validated as it arrives (a bad one is a non-terminating error with the record as TargetObject),
/// one save in EndProcessing, and only then the saved objects go downstream. A stopped pipeline never reaches
/// EndProcessing, so it writes nothing and outputs nothing.</summary>
public abstract class ConfigurationChangeCmdlet : OutlookCmdlet
{
    ConfigurationBatch? _batch;
    List<(int Index, object Output)> _outputs = new();
    HashSet<string> _commandLine = new(StringComparer.OrdinalIgnoreCase);
    Dictionary<string, string>? _columns;
    readonly HashSet<string> _unknownReported = new(StringComparer.OrdinalIgnoreCase);
    long _row;

    /// <summary>The pipeline object itself (a CSV row, a server object), so that an error names the row that caused
    /// it. The other parameters bind from its properties.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>Output the changed object (for Set-/Remove- cmdlets; New- always outputs).</summary>
    protected virtual bool OutputChanges => true;

    protected override void BeginProcessing() =>
        _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the parameter was given on the command line (it then applies to every row).</summary>
    protected bool FromCommandLine(string parameter) => _commandLine.Contains(parameter);

    protected ConfigurationBatch Batch
    {
        get
        {
            var context = Context;
            var path = context.Path;
            if (_batch is null || _batch.ConfigPath != path)
            {
                CommitPending();
                try { _batch = new ConfigurationBatch(context.Store); }
                catch (OutlookOAuthException e) { ThrowFailure(e, path); }
            }
            return _batch!;
        }
    }

    /// <summary>The pipeline object being processed, or null for parameters given on the command line.</summary>
    protected object? CurrentRow() => MyInvocation.ExpectingInput ? InputObject : null;

    /// <summary>True when the pipeline object is a row to read cell by cell (a CSV line, a custom object); false for
    /// a server object (Get-OutlookMailServer), whose typed properties PowerShell binds by name without loss.</summary>
    protected bool IsRow => MyInvocation.ExpectingInput && InputObject is { } o && o.BaseObject is not MailServer;

    /// <summary>For a row: replaces every field the pipeline bound in <paramref name="bound"/> by the core's reading of
    /// the row (a blank cell is "not given", a bad value an InvalidColumnValue error naming row, column and value).
    /// Parameters given on the command line win, as in PowerShell's own binding. Unknown columns are warned about once.</summary>
    protected ServerSpec ReadRow(ServerSpec bound)
    {
        if (!IsRow) return bound;
        var columns = Columns();
        foreach (var field in ServerRow.Fields)
            if (!_commandLine.Contains(field)) ServerRow.Clear(bound, field);
        var input = InputObject!;
        List<string>? unknown = null;
        if (!_shapeSeen && input.BaseObject is PSCustomObject)
        {
            // The columns of a CSV are the same on every row: the first row's are checked for unknown ones, once.
            _shapeSeen = true;
            foreach (var property in input.Properties)
                if (!columns.ContainsKey(property.Name) && _unknownReported.Add(property.Name)) (unknown ??= new()).Add(property.Name);
        }
        // Looking up each known column by name costs a fraction of enumerating the object's members on every row.
        foreach (var (column, field) in RowColumns())
            if (!_commandLine.Contains(field) && input.Properties[column] is { } property)
                ServerRow.Set(bound, field, Unwrap(property.Value), column, _row);
        if (unknown is not null)
            WriteWarning($"{MyInvocation.MyCommand.Name} ignores the column(s) {string.Join(", ", unknown.Select(c => $"'{c}'"))}: no parameter has that name. " +
                         $"Columns it reads: {string.Join(", ", columns.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
        return bound;
    }

    bool _shapeSeen;
    List<(string Column, string Field)>? _rowColumns;

    /// <summary>The columns (names and aliases) that set a row field, in parameter order.</summary>
    List<(string Column, string Field)> RowColumns() =>
        _rowColumns ??= Columns().Where(c => ServerRow.Fields.Contains(c.Value)).Select(c => (c.Key, c.Value)).ToList();

    static object? Unwrap(object? value) => value is PSObject p ? p.BaseObject : value;

    /// <summary>Column name or alias → parameter name, for every parameter that binds by property name.</summary>
    Dictionary<string, string> Columns()
    {
        if (_columns is not null) return _columns;
        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in MyInvocation.MyCommand.Parameters.Values)
        {
            if (!parameter.ParameterSets.Values.Any(s => s.ValueFromPipelineByPropertyName)) continue;
            columns[parameter.Name] = parameter.Name;
            foreach (var alias in parameter.Aliases) columns[alias] = parameter.Name;
        }
        return _columns = columns;
    }

    /// <summary>The decision of ShouldProcess for a validated change: Save, Preview (-WhatIf) or Skip (declined).</summary>
    protected ChangeDecision Decide(string action)
    {
        if (ShouldProcess(Batch.ConfigPath, action, out var reason)) return ChangeDecision.Save;
        return reason == ShouldProcessReason.WhatIf ? ChangeDecision.Preview : ChangeDecision.Skip;
    }

    int _records;

    /// <summary>Runs one change of the batch; its result (when recorded) is output after the save, not now.</summary>
    protected void Apply(Func<object?> change, object? row)
    {
        if (MyInvocation.ExpectingInput) _row++;
        if (++_records % 500 == 0)
            WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, $"{_records} records checked; the file is saved once, at the end"));
        try
        {
            var batch = Batch;
            var before = batch.Count;
            var result = change();
            if (result is not null && OutputChanges && ReferenceEquals(batch, _batch) && batch.Count == before + 1)
                _outputs.Add((before, result));
        }
        catch (OutlookOAuthException e) { WriteFailure(e, row ?? (object)BoundSummary()); }
    }

    protected override void EndProcessing() => CommitPending();

    void CommitPending()
    {
        if (_batch is null) return;
        var batch = _batch;
        var outputs = _outputs.ToDictionary(o => o.Index, o => o.Output);
        _batch = null;
        _outputs = new();
        IReadOnlyList<BatchOutcome> outcomes;
        try
        {
            if (_records >= 500)
                WriteProgress(new ProgressRecord(1, MyInvocation.MyCommand.Name, $"Saving {batch.ConfigPath}") { RecordType = ProgressRecordType.Completed });
            outcomes = batch.Save();
        }
        catch (OutlookOAuthException e)
        {
            ThrowFailure(e, batch.ConfigPath);
            return;
        }
        var context = Contexts.For(batch.ConfigPath);
        foreach (var outcome in outcomes)
        {
            if (outcome.Error is not null) { WriteFailure(outcome.Error, outcome.Source ?? batch.ConfigPath); continue; }
            if (!outputs.TryGetValue(outcome.Index, out var output)) continue;
            if (outcome.Server is { } server)
            {
                server.TokenStatus = context.StoredStatusOf(server);
                output = server;
            }
            WriteObject(output);
        }
    }
}
