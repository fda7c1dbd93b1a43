namespace OutlookOAuth.Configuration;

/// <summary>
/// One transaction for a whole pipeline. Each change is validated as it arrives against a snapshot of the file
/// (so later rows see earlier ones), and <see cref="Commit"/> saves every valid change at once: under the store's
/// lock it re-reads the file, replays the changes (so concurrent writers lose nothing) and writes once.
/// A batch that is never committed (a stopped pipeline) writes nothing.
/// </summary>
public sealed class ConfigurationBatch
{
    readonly ConfigurationStore _store;
    readonly List<Change> _changes = new();

    public ConfigurationBatch(ConfigurationStore store)
    {
        _store = store;
        Snapshot = store.Load();
    }

    /// <summary>The file as read at the start plus the changes accepted so far.</summary>
    public OutlookConfiguration Snapshot { get; }
    public bool HasChanges => _changes.Count > 0;
    public string ConfigPath => _store.Path;

    /// <summary>The server of that name and direction in the snapshot (a copy), or null.</summary>
    public MailServer? Find(string name, MailServerDirection direction) => Output(Lookup(Snapshot, name, direction));

    /// <summary>Adds a server (or, with <paramref name="force"/>, updates the existing one of that name).
    /// Returns the server as it will be saved.</summary>
    public MailServer AddServer(ServerSpec spec, bool force) => AddServer(spec, force, null, null)!;

    /// <summary>Adds a server after <paramref name="decide"/> has seen it, validated: <see cref="ChangeDecision.Save"/>
    /// records it, <see cref="ChangeDecision.Preview"/> (-WhatIf) only lets later rows see it, <see cref="ChangeDecision.Skip"/>
    /// (a declined -Confirm) drops it. <paramref name="source"/> (the pipeline row) is handed back by <see cref="Save"/>.
    /// Returns the server as it will be saved, or null when it was not recorded.</summary>
    public MailServer? AddServer(ServerSpec spec, bool force, Func<MailServer, ChangeDecision>? decide, object? source) =>
        Record(new Change(spec.Name ?? spec.Username ?? "", source, config => AddTo(config, spec, force)), decide);

    /// <summary>Changes only the given fields of an existing server.</summary>
    public MailServer SetServer(string name, MailServerDirection direction, ServerSpec changes) => SetServer(name, direction, changes, null, null)!;

    /// <summary>Changes only the given fields of an existing server, once <paramref name="decide"/> agrees (see <see cref="AddServer(ServerSpec, bool, Func{MailServer, ChangeDecision}?, object?)"/>).</summary>
    public MailServer? SetServer(string name, MailServerDirection direction, ServerSpec changes, Func<MailServer, ChangeDecision>? decide, object? source) =>
        Record(new Change(name, source, config => SetIn(config, name, direction, changes)), decide);

    public MailServer RemoveServer(string name, MailServerDirection direction) => RemoveServer(name, direction, null, null)!;

    /// <summary>Removes a server once <paramref name="decide"/> agrees.</summary>
    public MailServer? RemoveServer(string name, MailServerDirection direction, Func<MailServer, ChangeDecision>? decide, object? source) =>
        Record(new Change(name, source, config => RemoveFrom(config, name, direction)), decide);

    /// <summary>Sets a system parameter; a null value removes it.</summary>
    public void SetParameter(string name, string? value)
    {
        ServerRules.ValidateParameter(name, value);
        Record(new Change(name, null, config => new Prepared(null, () =>
        {
            if (value is null) config.Parameters.Remove(name);
            else config.Parameters[name] = value;
        })), null);
    }

    /// <summary>How many changes are recorded for <see cref="Save"/>; change <c>i</c> is reported as
    /// <see cref="BatchOutcome.Index"/> <c>i</c>.</summary>
    public int Count => _changes.Count;

    MailServer? Record(Change change, Func<MailServer, ChangeDecision>? decide)
    {
        // Validate first, change the snapshot only after the decision: -WhatIf previews exactly what a real run saves.
        var prepared = change.Prepare(Snapshot);
        var decision = decide is null || prepared.Result is null ? ChangeDecision.Save : decide(Output(prepared.Result)!);
        if (decision == ChangeDecision.Skip) return null;
        prepared.Apply();
        if (decision == ChangeDecision.Preview) return null;
        _changes.Add(change);
        return Output(prepared.Result);
    }

    MailServer? Output(MailServer? server)
    {
        if (server is null) return null;
        var copy = server.Clone();
        copy.ConfigPath = _store.Path;
        return copy;
    }

    /// <summary>Saves every change accepted so far in one write. Changes that no longer apply to the file as it
    /// is now (another process changed it meanwhile) are returned with the reason; the others are saved.</summary>
    public IReadOnlyList<(string Target, Exception Error)> Commit() =>
        Save().Where(o => o.Error is not null).Select(o => (_targets[o.Index], (Exception)o.Error!)).ToList();

    readonly List<string> _targets = new();

    /// <summary>Saves every change accepted so far in one locked write and returns one outcome per change, in order:
    /// the server as saved (replayed on the file as it is now), or the reason it no longer applies. Nothing is
    /// reported saved before the file is written.</summary>
    public IReadOnlyList<BatchOutcome> Save()
    {
        var outcomes = new List<BatchOutcome>(_changes.Count);
        if (_changes.Count == 0) return outcomes;
        var changes = _changes.ToList();
        _targets.Clear();
        _targets.AddRange(changes.Select(c => c.Target));
        _store.Update(config =>
        {
            outcomes.Clear();
            for (var i = 0; i < changes.Count; i++)
            {
                try
                {
                    var prepared = changes[i].Prepare(config);
                    prepared.Apply();
                    outcomes.Add(new BatchOutcome(i, changes[i].Source, prepared.Result, null));
                }
                catch (ConfigurationValidationException e) { outcomes.Add(new BatchOutcome(i, changes[i].Source, null, e)); }
            }
        });
        _changes.Clear();
        return outcomes.Select(o => o.Server is null ? o : o with { Server = Output(o.Server) }).ToList();
    }

    /// <summary>The server of that name in <paramref name="config"/> (its index), the name trimmed as the rules store it.</summary>
    static MailServer? Lookup(OutlookConfiguration config, string name, MailServerDirection direction) => config.Find(name.Trim(), direction);

    static Prepared AddTo(OutlookConfiguration config, ServerSpec spec, bool force)
    {
        var server = spec.CreateServer();
        var existing = Lookup(config, server.Name, server.Direction);
        if (existing is not null)
        {
            if (!force)
                throw new ConfigurationValidationException("ServerAlreadyExists", nameof(MailServer.Name),
                    $"An {server.Direction.ToString().ToLowerInvariant()} server named '{existing.Name}' already exists in the configuration. Use -Force to update it, or Set-OutlookMailServer.");
            return SetIn(config, existing.Name, existing.Direction, spec);
        }
        ServerRules.Normalize(server);
        ServerRules.Validate(server);
        if (Lookup(config, server.Name, server.Direction) is not null) // the name changed by trimming
            throw new ConfigurationValidationException("ServerAlreadyExists", nameof(MailServer.Name),
                $"An {server.Direction.ToString().ToLowerInvariant()} server named '{server.Name}' already exists in the configuration.");
        return new Prepared(server, () =>
        {
            if (server is OutgoingMailServer o) config.OutgoingServers.Add(o);
            else config.IncomingServers.Add((IncomingMailServer)server);
        });
    }

    static Prepared SetIn(OutlookConfiguration config, string name, MailServerDirection direction, ServerSpec changes)
    {
        var existing = Lookup(config, name, direction) ?? throw NotFound(name, direction);
        var candidate = existing.Clone();
        changes.ApplyTo(candidate);
        // A username change of an Outlook outgoing server whose filter was just its username keeps them together.
        if (candidate is OutgoingMailServer co && existing is OutgoingMailServer eo && changes.Username is not null &&
            changes.FromFilter is null && string.Equals(eo.FromFilter, eo.Username, StringComparison.OrdinalIgnoreCase))
            co.FromFilter = "";
        ServerRules.Normalize(candidate);
        ServerRules.Validate(candidate);
        var renamed = !string.Equals(candidate.Name, existing.Name, StringComparison.OrdinalIgnoreCase);
        if (renamed && Lookup(config, candidate.Name, direction) is not null)
            throw new ConfigurationValidationException("ServerAlreadyExists", nameof(MailServer.Name),
                $"Cannot rename '{existing.Name}': an {direction.ToString().ToLowerInvariant()} server named '{candidate.Name}' already exists.");
        return new Prepared(candidate, () => CopyInto(candidate, existing)); // a rename re-indexes the server
    }

    static Prepared RemoveFrom(OutlookConfiguration config, string name, MailServerDirection direction)
    {
        var existing = Lookup(config, name, direction) ?? throw NotFound(name, direction);
        return new Prepared(existing.Clone(), () =>
        {
            if (existing is OutgoingMailServer o) config.OutgoingServers.Remove(o);
            else config.IncomingServers.Remove((IncomingMailServer)existing);
        });
    }

    static ConfigurationValidationException NotFound(string name, MailServerDirection direction) => ServerLookup.NotFound(name, direction);

    static void CopyInto(MailServer from, MailServer to)
    {
        to.Name = from.Name; to.Username = from.Username; to.HostName = from.HostName; to.Port = from.Port; to.Active = from.Active;
        switch (to)
        {
            case OutgoingMailServer o:
                var f = (OutgoingMailServer)from;
                o.FromFilter = f.FromFilter; o.Encryption = f.Encryption; o.Authentication = f.Authentication; o.Sequence = f.Sequence;
                break;
            case IncomingMailServer i:
                var fi = (IncomingMailServer)from;
                i.Ssl = fi.Ssl; i.Priority = fi.Priority;
                break;
        }
    }

    /// <summary>A change checked against a configuration (<see cref="Result"/> is what it will look like) and not yet
    /// applied to it: <see cref="Apply"/> does that and cannot fail.</summary>
    sealed record Prepared(MailServer? Result, Action Apply);

    sealed record Change(string Target, object? Source, Func<OutlookConfiguration, Prepared> Prepare);
}
