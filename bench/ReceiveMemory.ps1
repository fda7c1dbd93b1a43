#Requires -Version 7.4
<#
.SYNOPSIS
    Peak memory of Receive-OutlookMail (issue 16: ten unread 20 MB messages under 250 MB, with and without -Destination),
    against a small receive measured in the same run.
.DESCRIPTION
    Each receive runs in a fresh pwsh of the same PowerShell (Import-Module, Receive-OutlookMail piped into a
    ForEach-Object that reads each message's Subject and attachment count), which then prints its own peak resident set
    (VmHWM of /proc/self/status). The messages go straight into the mailbox's Maildir on the lab's Dovecot (the lab's
    Postfix refuses messages over 10 MB), as multipart messages whose attachment is base64 (20 MB on the wire).
    Cases: ten 1 KB messages (the baseline: what pwsh and the module cost), ten 20 MB messages without and with
    -Destination. Linux only (/proc). Run from the repository root after a build, with the lab's environment loaded:
        dotnet pwsh -NoProfile -File bench/ReceiveMemory.ps1
#>
[CmdletBinding()]
param([int] $Messages = 10, [int] $MegaBytes = 20, [string] $User = 'alice@example.com')
$ErrorActionPreference = 'Stop'
$TestDrive = Join-Path ([IO.Path]::GetTempPath()) "receive-memory-$PID"
New-Item -ItemType Directory -Force $TestDrive | Out-Null
. (Join-Path $PSScriptRoot '..' 'tests' 'Lab.ps1')   # the module, the lab's environment, New-LabBrowser, Invoke-NewPwsh

$config = Join-Path $TestDrive 'config.yaml'
$env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive 'tokens'
$maildir = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' $User.Split('@')[0] 'Maildir'

function Clear-Mailbox {
    foreach ($sub in 'new', 'cur') { Get-ChildItem (Join-Path $maildir $sub) -File -ErrorAction SilentlyContinue | Remove-Item -Force }
}

# $Count messages of about $Bytes bytes on the wire each (a text part and one base64 attachment), straight into the Maildir.
function Add-Messages([int] $Count, [long] $Bytes) {
    $payload = [byte[]]::new([math]::Max(1, [long]($Bytes * 3 / 4) - 1024))
    [Random]::new(16).NextBytes($payload)
    $base64 = [Text.Encoding]::ASCII.GetBytes([Convert]::ToBase64String($payload, 'InsertLineBreaks'))
    for ($i = 1; $i -le $Count; $i++) {
        $name = "$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).bench$([guid]::NewGuid().ToString('N')).lab"
        $temp = Join-Path $maildir 'tmp' $name
        $head = (@("From: <sender@example.com>", "To: <$User>", "Subject: memory $i", "Date: $([DateTimeOffset]::Now.ToString('r'))",
            "Message-ID: <$([guid]::NewGuid().ToString('N'))@bench.example.com>", 'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', "Body $i", '--b',
            'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
            'Content-Transfer-Encoding: base64', '', '') -join "`r`n")
        $file = [IO.File]::Create($temp)
        try {
            $chunk = [Text.Encoding]::ASCII.GetBytes($head); $file.Write($chunk, 0, $chunk.Length)
            $file.Write($base64, 0, $base64.Length)
            $chunk = [Text.Encoding]::ASCII.GetBytes("`r`n--b--`r`n"); $file.Write($chunk, 0, $chunk.Length)
        }
        finally { $file.Dispose() }
        Move-Item $temp (Join-Path $maildir 'new' $name)
    }
    $deadline = (Get-Date).AddSeconds(60)
    while (@(Receive-OutlookMail -ConfigPath $config -Name bench -Peek -Limit 0).Count -lt $Count) {
        if ((Get-Date) -gt $deadline) { throw "$Count messages did not arrive" }
        Start-Sleep -Milliseconds 200
    }
}

# One receive in a fresh pwsh; returns its peak resident set in MB and the messages it handed on.
function Measure-Receive([string] $Extra) {
    $module = (Resolve-Path (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')).Path
    $script = "Import-Module '$module'; `$n = 0; Receive-OutlookMail -ConfigPath '$config' -Name bench -Limit 0 $Extra | " +
        "ForEach-Object { `$null = `$_.Subject, `$_.Message.Attachments.Count; `$n++ }; " +
        "'RESULT ' + `$n + ' ' + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')"
    $out = Invoke-NewPwsh $script | Out-String
    if ($out -notmatch 'RESULT (\d+) (\d+)') { throw "the receive failed: $out" }
    [pscustomobject]@{ Messages = [int]$Matches[1]; PeakMB = [math]::Round([long]$Matches[2] / 1024, 1); Output = $out }
}

try {
    Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
    $env:BROWSER = New-LabBrowser $User $TestDrive
    New-OutlookMailServer -ConfigPath $config -Name bench -Username $User -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
        Connect-OutlookAccount | Out-Null
    Receive-OutlookMail -ConfigPath $config -Name bench -Peek | Out-Null   # the Maildir exists once the mailbox was opened
    $rows = foreach ($case in @(
            @{ Label = "$Messages x 1 KB (baseline)"; Bytes = 1KB; Extra = '' },
            @{ Label = "$Messages x $MegaBytes MB"; Bytes = $MegaBytes * 1MB; Extra = '' },
            @{ Label = "$Messages x $MegaBytes MB, -Destination"; Bytes = $MegaBytes * 1MB; Extra = "-Destination '$(Join-Path $TestDrive 'saved')'" })) {
        Clear-Mailbox
        Add-Messages $Messages $case.Bytes
        $m = Measure-Receive $case.Extra
        if ($m.Messages -ne $Messages) { throw "$($case.Label): $($m.Messages) messages handed on, $Messages expected: $($m.Output)" }
        [pscustomobject]@{ Case = $case.Label; PeakMB = $m.PeakMB }
    }
    Clear-Mailbox
    $base = $rows[0].PeakMB
    '| receive | peak resident set | over the baseline |'
    '| --- | ---: | ---: |'
    foreach ($r in $rows) { '| {0} | {1:0.0} MB | {2:+0.0;-0.0;0} MB |' -f $r.Case, $r.PeakMB, ($r.PeakMB - $base) }
    $worst = ($rows | Select-Object -Skip 1 | Measure-Object PeakMB -Maximum).Maximum
    "largest peak {0:0.0} MB (goal < 250 MB); ratio to the baseline {1:0.00}" -f $worst, ($worst / $base)
}
finally {
    Remove-Item Env:BROWSER -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $TestDrive -ErrorAction SilentlyContinue
}
