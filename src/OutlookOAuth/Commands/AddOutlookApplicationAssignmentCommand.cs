using System.Management.Automation;
using OutlookOAuth.Graph;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Assigns users (the Username of servers piped in, or -User) and groups (-Group) to the
/// application's enterprise application, makes assignment required, and passes each piped object on.</para>
/// <para type="description">Only assigned users can then sign in (others get AADSTS50105). A user already assigned
/// costs no call; a user that cannot be assigned is one error record and the others go on. -WhatIf makes no Graph call.</para>
/// </summary>
/// <example><code>Import-Csv users.csv | New-OutlookMailServer | Add-OutlookApplicationAssignment | Connect-OutlookAccount</code><para>Creates the servers, assigns their users, signs each in.</para></example>
/// <example><code>Add-OutlookApplicationAssignment -Group 'Mail senders'</code><para>Assigns a group.</para></example>
[Cmdlet(VerbsCommon.Add, "OutlookApplicationAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(object))]
public sealed class AddOutlookApplicationAssignmentCommand : GraphCmdlet
{
    /// <summary>What is piped in (a server, a CSV row); passed on unchanged once its user is assigned.</summary>
    [Parameter(ValueFromPipeline = true)] public PSObject? InputObject { get; set; }
    /// <summary>Users to assign: user principal names or mail addresses (binds a server's Username).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)] [Alias("Username", "UserPrincipalName")] public string[]? User { get; set; }
    /// <summary>Groups to assign, by display name or object id.</summary>
    [Parameter] public string[]? Group { get; set; }

    ApplicationAssignments? _assignments;
    GraphClient? _graph;
    int _assigned, _found;

    ApplicationAssignments Assignments()
    {
        if (_assignments is not null) return _assignments;
        var context = Context; // a -ConfigPath naming nothing stops the command before any sign-in
        var (graph, _) = OpenGraph();
        _graph = graph;
        var tenant = new OutlookTenant(context, graph);
        _assignments = Run(async (_, ct) =>
        {
            var a = await tenant.AssignmentsAsync(ct).ConfigureAwait(false);
            await a.RequireAsync(ct).ConfigureAwait(false);
            return a;
        });
        return _assignments;
    }

    protected override void ProcessRecord()
    {
        var failed = false;
        foreach (var (name, isGroup) in (User ?? []).Select(u => (u, false)).Concat((Group ?? []).Select(g => (g, true))))
        {
            if (string.IsNullOrWhiteSpace(name)) continue;
            if (!ShouldProcess(name, isGroup ? "Assign the group to the Outlook application" : "Assign the user to the Outlook application")) continue;
            try
            {
                var assignments = Assignments();
                var added = Run(async (_, ct) =>
                {
                    var (id, display) = isGroup ? await assignments.FindGroupAsync(name, ct).ConfigureAwait(false) : await assignments.FindUserAsync(name, ct).ConfigureAwait(false);
                    return await assignments.AssignAsync(id, display, ct).ConfigureAwait(false);
                });
                if (added) _assigned++; else _found++;
                WriteVerbose(added ? $"'{name}' assigned." : $"'{name}' was already assigned.");
            }
            catch (OutlookOAuthException e)
            {
                WriteFailure(e, InputObject ?? (object)name);
                failed = true;
            }
        }
        if (InputObject is not null && !failed) WriteObject(InputObject);
        // Group given alone is done once.
        Group = null;
    }

    protected override void EndProcessing()
    {
        if (_graph is not null) WriteCalls(_graph.Calls);
        WriteVerbose($"{_assigned} assigned, {_found} already assigned.");
    }
}
