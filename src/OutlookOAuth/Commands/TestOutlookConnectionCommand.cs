using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Proves that servers work: SMTP (STARTTLS, XOAUTH2, MAIL FROM, RCPT TO, DATA; nothing is sent)
/// or IMAP (TLS, XOAUTH2, SELECT INBOX), several servers at once.</para>
/// </summary>
/// <example><code>Get-OutlookMailServer | Test-OutlookConnection</code><para>Tests every server, 8 at a time; each result names the stage reached and a hint when it failed.</para></example>
/// <example><code>if (-not (Test-OutlookConnection -Name notifications@example.com -Quiet)) { throw 'mail is down' }</code><para>A runbook check.</para></example>
[Cmdlet(VerbsDiagnostic.Test, "OutlookConnection", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(ConnectionTestResult), typeof(bool))]
public sealed class TestOutlookConnectionCommand : OutlookCmdlet
{
    /// <summary>Server objects, e.g. from Get-OutlookMailServer or New-OutlookMailServer.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public MailServer[]? InputObject { get; set; }

    /// <summary>Server names to test (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only outgoing or only incoming servers.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    public MailServerDirection? Direction { get; set; }

    /// <summary>Servers tested at the same time.</summary>
    [Parameter] [ValidateRange(1, 64)] public int ThrottleLimit { get; set; } = 8;

    /// <summary>RCPT TO of the SMTP probe (default: the server's username).</summary>
    [Parameter] [ValidateNotNullOrEmpty] public string? Recipient { get; set; }

    /// <summary>Limit of each network step, in seconds.</summary>
    [Parameter] [ValidateRange(1, 600)] public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Output only $true or $false per server.</summary>
    [Parameter] public SwitchParameter Quiet { get; set; }

    ConnectionTestRunner? _runner;

    protected override void BeginProcessing()
    {
        var options = new ConnectionTestOptions { Timeout = TimeSpan.FromSeconds(TimeoutSeconds), Recipient = Recipient, Trust = LoadCertificateTrust() };
        var tester = new ConnectionTester(Contexts, options);
        _runner = new ConnectionTestRunner(tester, ThrottleLimit, Background, transcript: true);
    }

    protected override void ProcessRecord()
    {
        foreach (var server in ParameterSetName == "Name" ? Lookup() : InputObject ?? [])
        {
            _runner!.Add(Context.CopyOf(server));
        }
        PumpBackground();
    }

    protected override void EndProcessing()
    {
        var all = _runner!.Complete();
        PumpBackground(all);
        if (all.IsCompleted) all.GetAwaiter().GetResult(); // a test that threw is a bug: it propagates
        WriteProgressDone(ConnectionTestRunner.Activity);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _runner?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Writes a finished test: the result (or only $true/$false with -Quiet), and an error when it failed.</summary>
    protected override void WriteBackgroundOutput(object value)
    {
        if (value is not ConnectionTestOutcome outcome)
        {
            base.WriteBackgroundOutput(value);
            return;
        }
        var result = outcome.Result;
        WriteObject(Quiet ? result.Success : result);
        if (result.ToException() is { } failure && !Quiet) WriteFailure(failure, outcome.Server);
    }

    IEnumerable<MailServer> Lookup() => MatchServers(LoadConfiguration(), Name, Direction);
}
