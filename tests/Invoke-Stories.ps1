#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester admin stories (tests/*.Tests.ps1) under this PowerShell with the Pester restored from NuGet.
.DESCRIPTION
    Pester 5.9.1 comes from the NuGet cache (tests/tools/Pester restores it; nothing installed on the machine is
    used). Each story file runs in its own pwsh process of the same PowerShell as this one, so module state,
    environment and token stores never leak between files. Writes "<passed> <failed> <skipped> <seconds>" to
    -CountsFile and a NUnit XML result per file into -ResultsDirectory. A file that ends without results, or runs
    no test at all, counts as one failure.
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/Invoke-Stories.ps1
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/Invoke-Stories.ps1 -Path tests/Module.Tests.ps1, tests/Docs.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path = (Get-ChildItem (Join-Path $PSScriptRoot '*.Tests.ps1')).FullName,
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot '..' 'TestResults' 'pester'),
    [string] $CountsFile
)
$ErrorActionPreference = 'Stop'
$started = [Diagnostics.Stopwatch]::StartNew()
# `-File x.ps1 -Path a,b` passes one string "a,b": split it.
$files = foreach ($p in $Path) { foreach ($one in $p.Split(',')) { if ($one.Trim()) { (Resolve-Path $one.Trim()).Path } } }

& dotnet restore (Join-Path $PSScriptRoot 'tools' 'Pester' 'Pester.Restore.csproj') -nologo -v:q | Out-Null
if ($LASTEXITCODE -ne 0) { throw "restoring Pester failed (exit $LASTEXITCODE)" }
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget' 'packages' }
$pester = Join-Path $packages 'pester' '5.9.1' 'tools' 'Pester.psd1'
if (-not (Test-Path $pester)) { throw "Pester 5.9.1 was not restored to $pester" }
New-Item -ItemType Directory -Force $ResultsDirectory | Out-Null

# The same PowerShell as this one: `dotnet pwsh` (the tool manifest's) or a pwsh executable. No pwsh on PATH is used.
$exe = [Environment]::ProcessPath
$engine = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @($exe, (Join-Path $PSHOME 'pwsh.dll')) } else { @($exe) }
function Quote([string] $s) { "'" + $s.Replace("'", "''") + "'" }

$passed = 0; $failed = 0; $skipped = 0
foreach ($file in $files) {
    $name = [IO.Path]::GetFileNameWithoutExtension($file)
    $xml = Join-Path $ResultsDirectory "$name.xml"
    $counts = Join-Path $ResultsDirectory "$name.counts"
    Remove-Item $xml, $counts -ErrorAction SilentlyContinue
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Quote $pester) -RequiredVersion 5.9.1
`$c = New-PesterConfiguration
`$c.Run.Path = $(Quote $file)
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'NUnitXml'
`$c.TestResult.OutputPath = $(Quote $xml)
`$r = Invoke-Pester -Configuration `$c
"`$(`$r.PassedCount) `$(`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount) `$(`$r.SkippedCount)" | Set-Content $(Quote $counts)
"@
    # A fresh process per story file: its own module load, environment and token store.
    & $engine[0] @($engine | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
    if (Test-Path $counts) {
        $p, $f, $s = (Get-Content $counts).Split(' ')
        if ([int]$p + [int]$f -eq 0) { Write-Warning "$name ran no test"; $f = 1 }
        $passed += [int]$p; $failed += [int]$f; $skipped += [int]$s
    }
    else {
        Write-Warning "$name ended without results (the pwsh running it failed)"
        $failed += 1
    }
}
$seconds = [math]::Round($started.Elapsed.TotalSeconds)
if ($CountsFile) { "$passed $failed $skipped $seconds" | Set-Content $CountsFile }
Write-Information "Pester: $passed passed, $failed failed, $skipped skipped in $seconds s ($($files.Count) files)" -InformationAction Continue
if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
