#Requires -Version 7.4
# The documentation runs. Every ```powershell block of README.md and docs/*.md runs against the lab, in order, one
# pwsh session per file: module imported, lab environment loaded, $env:OUTLOOKOAUTH_CONFIG a new file in a temp folder
# (its token store beside it), the current folder another temp folder, and $env:BROWSER a "browser" that signs the
# asked-for account in on the lab's page. A ```text block whose first line is "# <file name>" is written as that file
# into the current folder before the session's first block. A block preceded by the line
# "<!-- not-runnable: <reason> -->" is reported as skipped with that reason. A block that throws or writes an error
# fails its test, named <file>:<line>.

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
}

Describe '<File>' -ForEach $files {
    BeforeAll {
        $name = $File.Replace('/', '-')
        $blocksPath = Join-Path $TestDrive "$name.blocks.json"
        $resultsPath = Join-Path $TestDrive "$name.results.jsonl"
        ConvertTo-Json -InputObject @($Blocks) -Depth 3 | Set-Content $blocksPath
        $env:BROWSER = New-LabBrowser -Folder $TestDrive    # signs in as the account the module asks for
        # The same PowerShell as this one, stopped if a block waits for ever (a prompt, a sign-in nobody completes).
        $exe = [Environment]::ProcessPath
        [string[]] $engine = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $stdout = Join-Path $TestDrive "$name.out"; $stderr = Join-Path $TestDrive "$name.err"
        try {
            $process = Start-Process -FilePath $exe -PassThru -RedirectStandardOutput $stdout -RedirectStandardError $stderr -ArgumentList (
                $engine + '-NoProfile', '-NonInteractive', '-File', $runnerPath, $blocksPath, $resultsPath, $module)
            if (-not $process.WaitForExit(300000)) { $process.Kill($true); Add-Content $stderr 'stopped after 300 s' }
        }
        finally { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }
        $session = (Get-Content $stdout, $stderr -Raw -ErrorAction SilentlyContinue) -join "`n"
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
