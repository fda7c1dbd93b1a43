#Requires -Version 7.4
# The documentation runs. Every ```powershell block of README.md and docs/*.md runs against the lab, in order, one
# pwsh session per file: module imported, lab environment loaded, $env:OUTLOOKOAUTH_CONFIG a new file in a temp folder
# (its token store beside it), the current folder another temp folder, and $env:BROWSER a "browser" that signs the
# asked-for account in on the lab's page. A ```text block whose first line is "# <file name>" is written as that file
# into the current folder before the session's first block. A block preceded by the line
# "<!-- not-runnable: <reason> -->" is reported as skipped with that reason. A block that throws or writes an error
# fails its test, named <file>:<line>.
#
# The help examples run too: Get-Help <cmdlet> -Examples, as the built module shows them (the XML docs' <example>s of
# src/OutlookOAuth/Commands/, made MAML by tools/OutlookOAuth.HelpBuilder), each in turn in one pwsh session set up as
# the examples assume: the lab application, the incoming server inbox@example.com and the outgoing server
# reports@example.com on the lab's 127.0.0.1 ports, both connected, report.pdf and mailing.csv in the current folder,
# $text and $html, and before an example that receives, a new message with report.pdf attached waiting in inbox@'s
# INBOX. An example whose remarks have a paragraph "Not runnable in the lab: <reason>" is reported as skipped.

BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
    $docs = @(Get-Item (Join-Path $root 'README.md')) + @(Get-ChildItem (Join-Path $root 'docs') -Filter '*.md' | Sort-Object Name)
    $files = foreach ($doc in $docs) {
        $lines = @(Get-Content $doc.FullName)
        $blocks = [Collections.Generic.List[hashtable]]::new()
        $previous = ''
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^```(\w+)\s*$') {
                $language = $Matches[1]; $start = $i + 1
                $body = [Collections.Generic.List[string]]::new()
                for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { $body.Add($lines[$i]) }
                $skip = if ($previous -match '^<!--\s*not-runnable:\s*(.+?)\s*-->$') { $Matches[1] } else { '' }
                $relative = [IO.Path]::GetRelativePath($root, $doc.FullName).Replace('\', '/')
                if ($language -eq 'powershell') {
                    $blocks.Add(@{ File = $relative; Line = $start; Kind = 'powershell'; Code = ($body -join "`n"); Skip = $skip })
                }
                elseif ($language -eq 'text' -and $body.Count -gt 0 -and $body[0] -match '^#\s*(\S+)\s*$') {
                    $blocks.Add(@{ File = $relative; Line = $start; Kind = 'file'; Name = $Matches[1]; Code = (($body | Select-Object -Skip 1) -join "`n") })
                }
                $previous = ''
            }
            elseif ($lines[$i].Trim()) { $previous = $lines[$i].Trim() }
        }
        if ($blocks | Where-Object Kind -eq 'powershell') {
            @{ File = [IO.Path]::GetRelativePath($root, $doc.FullName).Replace('\', '/'); Blocks = $blocks.ToArray() }
        }
    }

    # The cmdlets whose help examples run (the session reads the examples itself; this only names the tests).
    $helpCmdlets = 'Receive-OutlookMail', 'Save-OutlookMailAttachment', 'Send-OutlookMail'
    Import-Module (Join-Path $root 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
    $helpExamples = foreach ($cmdlet in $helpCmdlets) {
        $i = 0
        foreach ($example in (Get-Help $cmdlet -Examples).examples.example) { $i++; @{ Cmdlet = $cmdlet; Index = $i } }
        if (-not $i) { @{ Cmdlet = $cmdlet; Index = 0 } }    # no example in the built help: a failing test, not none
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $module = (Resolve-Path (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')).Path

    # Runs in the doc's own pwsh: sets the session up, then dot-sources each block in turn (so a block sees the
    # variables of the ones before it) and records what it wrote on the error stream or threw.
    $runner = @'
param([string] $__docBlocks, [string] $__docResults, [string] $__docModule)
$ErrorActionPreference = 'Continue'
$__docAll = @(Get-Content $__docBlocks -Raw | ConvertFrom-Json)
Import-Module $__docModule
$__docConfigDir = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "doc-config-$([guid]::NewGuid().ToString('n'))")
$env:OUTLOOKOAUTH_CONFIG = Join-Path $__docConfigDir 'config.yaml'
$env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $__docConfigDir 'tokens'
Set-Location (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "doc-cwd-$([guid]::NewGuid().ToString('n'))"))
foreach ($__docFile in $__docAll | Where-Object Kind -eq 'file') { Set-Content -Path $__docFile.Name -Value $__docFile.Code }
foreach ($__docBlock in $__docAll | Where-Object { $_.Kind -eq 'powershell' -and -not $_.Skip }) {
    $__docErrors = [Collections.Generic.List[string]]::new()
    $__docOutput = try {
        . ([scriptblock]::Create($__docBlock.Code)) 2>&1 | ForEach-Object {
            if ($_ -is [Management.Automation.ErrorRecord]) { $__docErrors.Add("$($_.FullyQualifiedErrorId): $_") } else { $_ }
        } | Out-String -Width 160
    }
    catch { $__docErrors.Add("$($_.FullyQualifiedErrorId): $_") }
    [pscustomobject]@{ Line = $__docBlock.Line; Errors = @($__docErrors); Output = "$__docOutput" } |
        ConvertTo-Json -Compress | Add-Content -Path $__docResults
}
'@
    $runnerPath = Join-Path $TestDrive 'Run-DocBlocks.ps1'
    Set-Content -Path $runnerPath -Value $runner

    # Runs a runner script in a new pwsh (the same PowerShell as this one) with $env:BROWSER signing in on the lab's
    # page, stopped if it waits for ever (a prompt, a sign-in nobody completes); returns what it wrote on stdout/stderr.
    function Invoke-DocSession([string] $Name, [string] $Script, [string[]] $Arguments) {
        $env:BROWSER = New-LabBrowser -Folder $TestDrive    # signs in as the account the module asks for
        $exe = [Environment]::ProcessPath
        [string[]] $engine = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $stdout = Join-Path $TestDrive "$Name.out"; $stderr = Join-Path $TestDrive "$Name.err"
        try {
            $process = Start-Process -FilePath $exe -PassThru -RedirectStandardOutput $stdout -RedirectStandardError $stderr -ArgumentList (
                $engine + '-NoProfile', '-NonInteractive', '-File', $Script + $Arguments)
            if (-not $process.WaitForExit(300000)) { $process.Kill($true); Add-Content $stderr 'stopped after 300 s' }
        }
        finally { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }
        (Get-Content $stdout, $stderr -Raw -ErrorAction SilentlyContinue) -join "`n"
    }
}

Describe '<File>' -ForEach $files {
    BeforeAll {
        $name = $File.Replace('/', '-')
        $blocksPath = Join-Path $TestDrive "$name.blocks.json"
        $resultsPath = Join-Path $TestDrive "$name.results.jsonl"
        ConvertTo-Json -InputObject @($Blocks) -Depth 3 | Set-Content $blocksPath
        $session = Invoke-DocSession $name $runnerPath $blocksPath, $resultsPath, $module
        $results = @{}
        if (Test-Path $resultsPath) { foreach ($r in Get-Content $resultsPath | ConvertFrom-Json) { $results[[int]$r.Line] = $r } }
    }

    It '<File>:<Line>' -ForEach ($Blocks | Where-Object Kind -eq 'powershell') {
        if ($Skip) { Set-ItResult -Skipped -Because "not-runnable: $Skip" ; return }
        $result = $results[[int]$Line]
        $result | Should -Not -BeNullOrEmpty -Because "the doc's session ended before this block: $session"
        ($result.Errors -join "`n") | Should -BeNullOrEmpty -Because "the block ran with this output:`n$($result.Output)"
    }
}

Describe 'help examples' -ForEach @(@{ Cmdlets = $helpCmdlets; Examples = $helpExamples }) {
    BeforeAll {
        # Runs in its own pwsh: sets up what the examples assume (an error there ends the session: every test fails
        # with it), then runs each example of Get-Help <cmdlet> -Examples as written, dot-sourced in the session.
        $helpRunner = @'
param([string] $__helpCmdlets, [string] $__helpResults, [string] $__helpModule)
$ErrorActionPreference = 'Stop'
Import-Module $__helpModule
$__helpConfigDir = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "help-config-$([guid]::NewGuid().ToString('n'))")
$env:OUTLOOKOAUTH_CONFIG = Join-Path $__helpConfigDir 'config.yaml'
$env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $__helpConfigDir 'tokens'
Set-Location (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "help-cwd-$([guid]::NewGuid().ToString('n'))"))

Set-OutlookApplication -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY `
    -ClientSecret (ConvertTo-SecureString $env:OUTLOOKOAUTH_LAB_CLIENT_SECRET -AsPlainText -Force)
New-OutlookMailServer -Username inbox@example.com -Direction Incoming -HostName 127.0.0.1 -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
    Connect-OutlookAccount | Out-Null
New-OutlookMailServer -Username reports@example.com -HostName 127.0.0.1 -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT |
    Connect-OutlookAccount | Out-Null
Receive-OutlookMail -Name inbox@example.com -Limit 0 | Out-Null          # inbox@'s INBOX: nothing unread from before
[IO.File]::WriteAllBytes((Join-Path $PWD 'report.pdf'), [Text.Encoding]::ASCII.GetBytes("%PDF-1.4`n% lab report`n%%EOF`n"))
Set-Content mailing.csv "From,To`nReports <reports@example.com>,bob@example.com`nreports@example.com,alice@example.com"
$text = 'All green.'
$html = '<p>The service stops at <b>22:00</b>.</p>'

# A new message with report.pdf attached, waiting unread in inbox@'s INBOX.
function __helpDeliver {
    $ErrorActionPreference = 'Stop'
    $subject = "Report $([guid]::NewGuid().ToString('n'))"
    Send-OutlookMail -From reports@example.com -To inbox@example.com -Subject $subject -Body $text -Attachment report.pdf | Out-Null
    $until = (Get-Date).AddSeconds(30)
    while (-not (Receive-OutlookMail -Name inbox@example.com -Peek | Where-Object Subject -eq $subject)) {
        if ((Get-Date) -gt $until) { throw "the message '$subject' did not arrive in inbox@example.com within 30 s" }
        Start-Sleep -Milliseconds 200
    }
}

foreach ($__helpCmdlet in $__helpCmdlets.Split(',')) {
    $__helpIndex = 0
    foreach ($__helpExample in (Get-Help $__helpCmdlet -Examples).examples.example) {
        $__helpIndex++
        $__helpCode = "$($__helpExample.code)".Trim()
        $__helpRemarks = @($__helpExample.remarks | ForEach-Object Text) -join "`n"
        $__helpSkip = if ($__helpRemarks -match '(?m)^\s*Not runnable in the lab:\s*(.+?)\s*$') { $Matches[1] } else { '' }
        $__helpErrors = [Collections.Generic.List[string]]::new()
        $__helpOutput = ''
        if (-not $__helpSkip) {
            $ErrorActionPreference = 'Continue'
            $__helpOutput = try {
                if ($__helpCode -match 'Receive-OutlookMail') { __helpDeliver }
                . ([scriptblock]::Create($__helpCode)) 2>&1 | ForEach-Object {
                    if ($_ -is [Management.Automation.ErrorRecord]) { $__helpErrors.Add("$($_.FullyQualifiedErrorId): $_") } else { $_ }
                } | Out-String -Width 160
            }
            catch { $__helpErrors.Add("$($_.FullyQualifiedErrorId): $_") }
            $ErrorActionPreference = 'Stop'
        }
        [pscustomobject]@{ Key = "$__helpCmdlet#$__helpIndex"; Code = $__helpCode; Skip = $__helpSkip; Errors = @($__helpErrors); Output = "$__helpOutput" } |
            ConvertTo-Json -Compress | Add-Content -Path $__helpResults
    }
}
'@
        $helpRunnerPath = Join-Path $TestDrive 'Run-HelpExamples.ps1'
        Set-Content -Path $helpRunnerPath -Value $helpRunner
        $resultsPath = Join-Path $TestDrive 'help.results.jsonl'
        $session = Invoke-DocSession 'help' $helpRunnerPath ($Cmdlets -join ','), $resultsPath, $module
        $results = @{}
        if (Test-Path $resultsPath) { foreach ($r in Get-Content $resultsPath | ConvertFrom-Json) { $results[$r.Key] = $r } }
    }

    It '<Cmdlet> example <Index>' -ForEach $Examples {
        $Index | Should -BeGreaterThan 0 -Because "the built help of $Cmdlet (Get-Help -Examples) must show its examples"
        $result = $results["$Cmdlet#$Index"]
        $result | Should -Not -BeNullOrEmpty -Because "the help session ended before this example: $session"
        if ($result.Skip) { Set-ItResult -Skipped -Because "not-runnable: $($result.Skip)"; return }
        ($result.Errors -join "`n") | Should -BeNullOrEmpty -Because "the example ran as ``$($result.Code)`` with this output:`n$($result.Output)"
    }
}
