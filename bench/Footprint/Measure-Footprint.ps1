#Requires -Version 7.4
<#
.SYNOPSIS
    Peak memory (resident set) of one runbook-shaped pwsh job against the lab, against bare pwsh baselines of the same
    run: Azure Automation stops a job at 400 MB; the goal is 250 MB.
.DESCRIPTION
    The job is a new pwsh process (the same PowerShell as this one: `dotnet pwsh.dll`, no pwsh on PATH is used) that
    imports the module, sends 500 messages through the lab's Postfix (one with a -AttachmentMB attachment on its own,
    then 499 as one pipeline; to bench@elsewhere.example, which Postfix accepts and discards) and receives -Receive
    messages from bob's lab mailbox (emptied first) with `Receive-OutlookMail -Limit 0 -Destination DIR` (each saved as .eml, each
    object handed down the pipeline and dropped). The messages to receive (about 6 KB each: text and a 4 KB
    attachment) are delivered straight into that user's Maildir, the way a local delivery agent does (tmp/ then new/),
    so that filling the mailbox takes a second, not minutes. The configuration and the tokens are made before the job
    (Connect-OutlookAccount through the lab's sign-in page), so the job signs in silently, as a runbook does.

    Memory is read from outside: /proc/<pid>/status of the job's process, VmHWM (the kernel's peak resident set of
    the process over its life). The job prints a marker after each phase and waits on its standard input; the bench
    reads VmHWM and VmRSS then, and lets it go on. The baselines run in the same way in the same run: bare pwsh
    (-NoProfile -NonInteractive, nothing done) and pwsh that only imports the module. Figures: docs/performance.md.

    Needs root (the Maildir belongs to the lab's mail user) and the lab (tests/lab/start.sh; Lab.ps1 starts it when
    its environment is not loaded).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Footprint/Measure-Footprint.ps1
#>
[CmdletBinding()]
param([int] $Send = 500, [int] $Receive = 2000, [int] $AttachmentMB = 10, [int] $Rounds = 1)
$ErrorActionPreference = 'Stop'
$TestDrive = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "footprint-bench-$PID")
$moduleManifest = (Resolve-Path (Join-Path $PSScriptRoot '..' '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')).Path

# One pwsh process driven phase by phase: each line "PHASE <name>" on its stdout is answered, after reading its
# memory, with a line on its stdin. Returns the readings (MB) of each phase.
function Measure-Job([string] $Label, [string] $Script) {
    $path = Join-Path $TestDrive "$Label.ps1"
    Set-Content -Path $path -Value $Script
    $exe = [Environment]::ProcessPath
    $start = [Diagnostics.ProcessStartInfo]::new($exe)
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', $path) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardInput = $true; $start.RedirectStandardOutput = $true; $start.UseShellExecute = $false
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($start)
    $readings = [Collections.Generic.List[object]]::new()
    try {
        while ($null -ne ($line = $process.StandardOutput.ReadLine())) {
            if ($line -notmatch '^PHASE (\S+)(.*)$') { Write-Verbose "$Label> $line"; continue }
            $phase = $Matches[1]; $detail = $Matches[2].Trim()
            $status = Get-Content "/proc/$($process.Id)/status"
            $kb = { param($name) [long](($status | Where-Object { $_ -like "${name}:*" }) -replace '[^0-9]', '') }
            $readings.Add([pscustomobject]@{
                Job = $Label; Phase = $phase; Seconds = [math]::Round($clock.Elapsed.TotalSeconds, 1)
                PeakMB = [math]::Round((& $kb 'VmHWM') / 1024, 1); RssMB = [math]::Round((& $kb 'VmRSS') / 1024, 1); Detail = $detail
            })
            $process.StandardInput.WriteLine('go'); $process.StandardInput.Flush()
        }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { throw "$Label exited with $($process.ExitCode)" }
    }
    finally { if (-not $process.HasExited) { $process.Kill($true) } }
    $readings
}

# The job's side of the handshake, at the top of every job script.
$handshake = @'
$ErrorActionPreference = 'Stop'
function Phase([string] $Name, [string] $Detail = '') { [Console]::Out.WriteLine("PHASE $Name $Detail"); $null = [Console]::In.ReadLine() }
'@

try {
    . (Join-Path $PSScriptRoot '..' '..' 'tests' 'Lab.ps1')
    if ($IsLinux -and (& id -u) -ne '0') { throw 'run as root: the messages to receive are written into the lab mail user''s Maildir' }
    $config = Join-Path $TestDrive 'footprint.yaml'
    $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive 'tokens'
    $inbox = 'bob@example.com'    # a user of the lab's sign-in page; its INBOX is emptied first and after
    Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret | Out-Null
    New-OutlookMailServer -ConfigPath $config -Username alice@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
    New-OutlookMailServer -ConfigPath $config -Name footprint-in -Username $inbox -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT | Out-Null
    $env:BROWSER = New-LabBrowser -Folder $TestDrive
    Get-OutlookMailServer -ConfigPath $config | Connect-OutlookAccount -ConfigPath $config | Out-Null
    Remove-Item Env:BROWSER
    Receive-OutlookMail -ConfigPath $config -Name footprint-in -Peek | Out-Null    # Dovecot makes the user's home and Maildir
    $attachment = Join-Path $TestDrive "attachment-$AttachmentMB-MB.bin"
    [IO.File]::WriteAllBytes($attachment, [Security.Cryptography.RandomNumberGenerator]::GetBytes($AttachmentMB * 1MB))

    # The mailbox to receive from: $Receive messages delivered into the user's Maildir as a delivery agent does.
    $maildir = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' $inbox.Split('@')[0] 'Maildir'
    function Add-MaildirMessages([int] $Count, [int] $Round) {
        if (-not (Test-Path (Join-Path $maildir 'new'))) { throw "$maildir was not made by Dovecot" }
        Get-ChildItem (Join-Path $maildir 'cur'), (Join-Path $maildir 'new') -File | Remove-Item -Force
        $blob = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(4096), 'InsertLineBreaks')
        $now = [DateTimeOffset]::UtcNow
        for ($n = 0; $n -lt $Count; $n++) {
            $text = "From: sender@example.com`r`nTo: $inbox`r`nSubject: footprint $n`r`nDate: $($now.AddSeconds($n).ToString('r'))`r`n" +
                "Message-ID: <footprint-$n-$PID@bench.example>`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=`"b`"`r`n`r`n" +
                "--b`r`nContent-Type: text/plain; charset=utf-8`r`n`r`nMessage ${n}: $('x' * 800)`r`n" +
                "--b`r`nContent-Type: application/octet-stream; name=`"file-$n.bin`"`r`nContent-Disposition: attachment; filename=`"file-$n.bin`"`r`n" +
                "Content-Transfer-Encoding: base64`r`n`r`n$blob`r`n--b--`r`n"
            $name = "$($now.ToUnixTimeSeconds()).R$($Round)M$($n)P$PID.footprint"
            [IO.File]::WriteAllText((Join-Path $maildir 'tmp' $name), $text)
            [IO.File]::Move((Join-Path $maildir 'tmp' $name), (Join-Path $maildir 'new' $name))
        }
        & chown -R outlookoauth-lab:outlookoauth-lab $maildir
    }

    $q = { param($s) "'" + $s.Replace("'", "''") + "'" }
    $env:OUTLOOKOAUTH_CONFIG = $config
    $jobScript = $handshake + @"

Phase start
Import-Module $(& $q $moduleManifest)
Phase import
`$attachmentSent = Send-OutlookMail -From alice@example.com -To bench@elsewhere.example -Subject 'footprint attachment' -Body 'see attached' -Attachment $(& $q $attachment) -MessagesPerMinute 0
Phase send-attachment
`$sent = 1..$($Send - 1) | ForEach-Object { [pscustomobject]@{ From = 'alice@example.com'; To = 'bench@elsewhere.example'; Subject = "footprint `$_"; Body = "message `$_" } } |
    Send-OutlookMail -MessagesPerMinute 0 | Measure-Object
Phase send "`$(`$sent.Count + @(`$attachmentSent).Count) sent"
`$destination = New-Item -ItemType Directory (Join-Path $(& $q $TestDrive.FullName) "received-`$PID")
`$received = Receive-OutlookMail -Name footprint-in -Limit 0 -Destination `$destination.FullName -TimeoutSeconds 120 | Measure-Object
Phase receive "`$(`$received.Count) received, `$(@(Get-ChildItem `$destination).Count) files"
# What is left once the garbage is collected (VmHWM keeps the peak above): the managed heap that stays.
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
Phase collected "managed heap `$([math]::Round([GC]::GetTotalMemory(`$true) / 1MB, 1)) MB, allocated in all `$([math]::Round([GC]::GetTotalAllocatedBytes() / 1MB)) MB"
"@

    $results = [Collections.Generic.List[object]]::new()
    for ($round = 1; $round -le $Rounds; $round++) {
        $results.AddRange(@(Measure-Job "bare-$round" ($handshake + "`nPhase start`nPhase end")))
        $results.AddRange(@(Measure-Job "import-$round" ($handshake + "`nPhase start`nImport-Module $(& $q $moduleManifest)`nPhase import")))
        Add-MaildirMessages $Receive $round
        $results.AddRange(@(Measure-Job "job-$round" $jobScript))
        Get-ChildItem (Join-Path $maildir 'cur'), (Join-Path $maildir 'new') -File | Remove-Item -Force
    }
    $results | Format-Table Job, Phase, Seconds, PeakMB, RssMB, Detail -AutoSize | Out-String -Width 200
    $peak = { param($label) ($results | Where-Object Job -like "$label-*" | Measure-Object PeakMB -Maximum).Maximum }
    $job = & $peak 'job'; $bare = & $peak 'bare'; $import = & $peak 'import'
    [pscustomobject]@{
        JobPeakMB           = $job
        BarePwshPeakMB      = $bare
        ImportOnlyPeakMB    = $import
        JobOverBare         = [math]::Round($job / $bare, 2)
        JobOverImportOnly   = [math]::Round($job / $import, 2)
        JobMinusImportMB    = [math]::Round($job - $import, 1)
        GoalMB              = 250
        WithinGoal          = $job -le 250
    } | Format-List
}
finally {
    Remove-Item -Recurse -Force $TestDrive -ErrorAction SilentlyContinue
    if ($maildir -and (Test-Path $maildir)) { Get-ChildItem (Join-Path $maildir 'cur'), (Join-Path $maildir 'new') -File | Remove-Item -Force -ErrorAction SilentlyContinue }
}
