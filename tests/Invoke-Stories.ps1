#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester admin stories (tests/*.Tests.ps1) under this pwsh with the Pester restored from NuGet.
.DESCRIPTION
    Pester 5.9.1 comes from the NuGet cache (tests/tools/Pester restores it; nothing installed on the machine is
    used). Each story file runs in its own pwsh process, so module state, environment and token stores never leak
    between files. Writes "<passed> <failed>" to -CountsFile and a NUnit XML result per file into -ResultsDirectory.
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/Invoke-Stories.ps1
    dotnet pwsh -NoProfile -File tests/Invoke-Stories.ps1 -Path tests/Module.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path = (Get-ChildItem (Join-Path $PSScriptRoot '*.Tests.ps1')).FullName,
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot '..' 'TestResults' 'pester'),
    [string] $CountsFile
)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
& dotnet restore (Join-Path $PSScriptRoot 'tools' 'Pester' 'Pester.Restore.csproj') -nologo -v:q | Out-Null
if ($LASTEXITCODE -ne 0) { throw "restoring Pester failed (exit $LASTEXITCODE)" }
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget' 'packages' }
$pester = Join-Path $packages 'pester' '5.9.1' 'tools' 'Pester.psd1'
if (-not (Test-Path $pester)) { throw "Pester 5.9.1 was not restored to $pester" }
New-Item -ItemType Directory -Force $ResultsDirectory | Out-Null

$passed = 0; $failed = 0
foreach ($file in $Path) {
    $name = [IO.Path]::GetFileNameWithoutExtension($file)
    $xml = Join-Path $ResultsDirectory "$name.xml"
    $json = Join-Path $ResultsDirectory "$name.counts"
    Remove-Item $xml, $json -ErrorAction SilentlyContinue
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -MinimumVersion 5.9.1
`$c = New-PesterConfiguration
`$c.Run.Path = '$file'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'NUnitXml'
`$c.TestResult.OutputPath = '$xml'
`$r = Invoke-Pester -Configuration `$c
"`$(`$r.PassedCount) `$(`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount)" | Set-Content '$json'
"@
    # A fresh process per story file: its own module load, environment and token store.
    & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
    if (Test-Path $json) {
        $p, $f = (Get-Content $json).Split(' ')
        $passed += [int]$p; $failed += [int]$f
    }
    else {
        Write-Warning "$name ended without results (the pwsh running it failed)"
        $failed += 1
    }
}
if ($CountsFile) { "$passed $failed" | Set-Content $CountsFile }
Write-Information "Pester: $passed passed, $failed failed" -InformationAction Continue
if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
