using System.Management.Automation;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Signs a server's Microsoft 365 account in and stores its tokens, so SMTP/IMAP can use XOAUTH2.</para>
/// <para type="description">Default: the system browser ($env:BROWSER, else xdg-open / open / the Windows shell) with
/// authorization code + PKCE and a loopback redirect. -RedirectUri https://...: print the URL, paste the final address
/// back. -DeviceCode: a code to enter on another device. -AppOnly: client credentials (secret or certificate).
/// -Silent: no sign-in, prove the stored tokens with a real refresh. The account that signs in must be the server's
/// username. Outputs the servers with their TokenStatus.</para>
/// </summary>
/// <example><code>Get-OutlookMailServer | Connect-OutlookAccount</code><para>Signs each server's account in with the system browser.</para></example>
/// <example><code>Import-Csv users.csv | New-OutlookMailServer | Connect-OutlookAccount -DeviceCode | Test-OutlookConnection</code><para>From an SSH session: a device code per account (shown as a warning), then a connection test.</para></example>
/// <example><code>Get-OutlookMailServer | Connect-OutlookAccount -AppOnly</code><para>A runbook with client credentials (SMTP.SendAsApp / IMAP.AccessAsApp).</para></example>
[Cmdlet(VerbsCommunications.Connect, "OutlookAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Browser")]
[OutputType(typeof(OutgoingMailServer), typeof(IncomingMailServer))]
public sealed class ConnectOutlookAccountCommand : IdentityCmdlet
{
    /// <summary>A server object from New-/Get-OutlookMailServer. Used as given when the file does not have it yet
    /// (New-OutlookMailServer saves at the end of its pipeline, after this cmdlet has seen its objects).</summary>
    [Parameter(ValueFromPipeline = true)]
    public MailServer? InputObject { get; set; }

    /// <summary>The server whose account signs in (binds from server objects and CSV rows).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ServerNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Outgoing or Incoming; needed only when both directions have a server of that name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public MailServerDirection? Direction { get; set; }

    /// <summary>A loopback URI to listen on (http://localhost:port/path) or a registered https URI (paste flow).</summary>
    [Parameter(ParameterSetName = "Browser")] [ValidateNotNullOrEmpty] public string? RedirectUri { get; set; }
    /// <summary>Device code flow (public client): a code to enter on another device; for SSH and headless hosts.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "DeviceCode")] public SwitchParameter DeviceCode { get; set; }
    /// <summary>Client credentials (secret or certificate) for https://outlook.office365.com/.default; no user signs in.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "AppOnly")] public SwitchParameter AppOnly { get; set; }
    /// <summary>No sign-in: prove the stored tokens with a real refresh.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Silent")] public SwitchParameter Silent { get; set; }

    /// <summary>Sign in again even when the server already has usable tokens.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>How long to wait for the user, in seconds (default 300; 900 for -DeviceCode).</summary>
    [Parameter] [ValidateRange(10, 3600)] public int? TimeoutSeconds { get; set; }

    int _done;

    protected override void ProcessRecord()
    {
        MailServer? server = null;
        try
        {
            LoadConfiguration(); // a file that cannot be read stops the command
            var accounts = Context.Accounts;
            server = accounts.Find(Name, Direction, InputObject);
            WriteProgress(new ProgressRecord(1, "Connecting Outlook accounts", $"{server.Username} ({server})") { PercentComplete = -1, CurrentOperation = $"{_done} done" });
            if (Silent)
            {
                WriteObject(Run((_, ct) => accounts.RefreshAsync(server, ct)));
            }
            else if (!Force && !AppOnly && accounts.IsConnected(server))
            {
                WriteVerbose($"{server} ({server.Username}) is already connected; use -Force to sign in again.");
                WriteObject(accounts.Describe(server));
            }
            else if (ShouldProcess($"{server.Username} ({server})", "Sign in and store tokens"))
            {
                var request = SignInRequest.For(AppOnly, DeviceCode, RedirectUri, accounts.Application) with
                {
                    Timeout = TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
                    PersonPresent = PersonPresent,
                };
                var connected = server;
                WriteObject(Run((ui, ct) => accounts.ConnectAsync(connected, request, ui, ct)));
            }
            _done++;
        }
        catch (OutlookOAuthException e) { WriteFailure(e, (object?)server ?? Name); }
        finally { WriteStoreWarnings(); }
    }

    protected override void EndProcessing() =>
        WriteProgress(new ProgressRecord(1, "Connecting Outlook accounts", "Done") { RecordType = ProgressRecordType.Completed });
}
