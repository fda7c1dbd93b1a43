#Requires -Version 7.4
<#
.SYNOPSIS
    Send-OutlookMail speed and memory against the lab (tests/lab/start.sh): a pipeline of N messages over one connection
    against a script that calls Send-OutlookMail once per message (one connection, token lookup and configuration read
    per message), both measured in this run. (Peak memory by attachment size: the "send-memory" mode of
    bench/OutlookOAuth.Benchmarks.)
.DESCRIPTION
    The messages go through the lab's real Postfix (STARTTLS, XOAUTH2 checked by Dovecot) to bench@elsewhere.example, which Postfix accepts and discards (as Microsoft 365 relays outside mail), so that Dovecot deliveries queued by one phase do not slow the other. Pacing is
    off (-MessagesPerMinute 0; the lab is not a Microsoft host, so it would be off anyway). Figures: docs/performance.md.
.PARAMETER Server
    Lab (default): the lab's Postfix. Sink: a submission sink in a process of its own (STARTTLS, XOAUTH2 accepted, data
    read and discarded; `smtp-sink` of bench/OutlookOAuth.Benchmarks), so that the figures are the module's and
    PowerShell's own cost, not the server's. The token still comes from the lab authority.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/SendOutlookMail/Measure-SendOutlookMail.ps1 -Count 500
.EXAMPLE
    dotnet build bench/OutlookOAuth.Benchmarks -c Release; dotnet pwsh -NoProfile -File bench/SendOutlookMail/Measure-SendOutlookMail.ps1 -Count 500 -Server Sink
#>
[CmdletBinding()]
param([int] $Count = 500, [ValidateSet('Lab', 'Sink')] [string] $Server = 'Lab')
$ErrorActionPreference = 'Stop'
$TestDrive = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "send-bench-$PID")
try {
    . (Join-Path $PSScriptRoot '..' '..' 'tests' 'Lab.ps1')
    $config = Join-Path $TestDrive 'bench.yaml'
    $port = $env:OUTLOOKOAUTH_LAB_SMTP_PORT
    if ($Server -eq 'Sink') {
        $dll = Join-Path $PSScriptRoot '..' 'OutlookOAuth.Benchmarks' 'bin' 'Release' 'net10.0' 'OutlookOAuth.Benchmarks.dll'
        if (-not (Test-Path $dll)) { throw "build the bench first: dotnet build bench/OutlookOAuth.Benchmarks -c Release" }
        $sinkCa = Join-Path $TestDrive 'sink-ca.pem'
        $start = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in $dll, 'smtp-sink', $sinkCa) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardInput = $true; $start.RedirectStandardOutput = $true
        $sink = [Diagnostics.Process]::Start($start)
        $port = [int]$sink.StandardOutput.ReadLine()
        # Trust both: the lab's CA (the authority) and the sink's.
        $bundle = Join-Path $TestDrive 'ca-bundle.pem'
        (Get-Content -Raw $env:OUTLOOKOAUTH_CA_FILE) + (Get-Content -Raw $sinkCa) | Set-Content $bundle
        $env:OUTLOOKOAUTH_CA_FILE = $bundle
    }
    Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
    New-OutlookMailServer -ConfigPath $config -Username alice@example.com -HostName $LabHost -Port $port | Out-Null
    $env:BROWSER = New-LabBrowser 'alice@example.com'
    Connect-OutlookAccount -ConfigPath $config -Name alice@example.com | Out-Null
    Remove-Item Env:BROWSER

    # Warm-up: JIT, the token, the first TLS session.
    1..5 | ForEach-Object { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bench@elsewhere.example -Subject "warm-up $_" -Body x -MessagesPerMinute 0 } | Out-Null

    $rows = 1..$Count | ForEach-Object { [pscustomobject]@{ From = 'alice@example.com'; To = 'bench@elsewhere.example'; Subject = "bench pipeline $_"; Body = "message $_" } }
    $pipeline = Measure-Command { $script:sent = $rows | Send-OutlookMail -ConfigPath $config -MessagesPerMinute 0 }
    if ($sent.Count -ne $Count) { throw "pipeline sent $($sent.Count) of $Count" }

    $loop = Measure-Command {
        foreach ($row in $rows) {
            $null = Send-OutlookMail -ConfigPath $config -From $row.From -To $row.To -Subject $row.Subject -Body $row.Body -MessagesPerMinute 0
        }
    }
    [pscustomobject]@{
        Server               = $Server
        Messages             = $Count
        PipelineSeconds      = [math]::Round($pipeline.TotalSeconds, 2)
        PipelineMsPerMessage = [math]::Round($pipeline.TotalMilliseconds / $Count, 2)
        LoopSeconds          = [math]::Round($loop.TotalSeconds, 2)
        LoopMsPerMessage     = [math]::Round($loop.TotalMilliseconds / $Count, 2)
        Ratio                = [math]::Round($loop.TotalMilliseconds / $pipeline.TotalMilliseconds, 1)
    } | Format-List
}
finally {
    if ($sink) { $sink.StandardInput.Close(); $null = $sink.WaitForExit(5000) }
    Remove-Item -Recurse -Force $TestDrive -ErrorAction SilentlyContinue }
