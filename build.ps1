#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the OutlookOAuth module.
.DESCRIPTION
    Build   (default) dotnet build; assembles the loadable module in out/OutlookOAuth.
    Test    the README test command (tests/run-tests.sh: lab + every xunit project), then the Pester scenarios
            when Pester is installed.
    Package copies out/OutlookOAuth into artifacts/ and zips it (or publishes to a local PSResource repository
            with -Repository).
    Clean   removes bin/, obj/, out/, artifacts/ and TestResults/.
.EXAMPLE
    ./build.ps1
    ./build.ps1 -Task Test
    ./build.ps1 -Task Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [string] $Repository
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleOut = Join-Path $root 'out' 'OutlookOAuth'

function Invoke-DotNet {
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Arguments)
    Write-Verbose "dotnet $($Arguments -join ' ')"
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

foreach ($t in $Task) {
    switch ($t) {
        'Clean' {
            foreach ($dir in 'out', 'artifacts', 'TestResults') { Remove-Item -Recurse -Force (Join-Path $root $dir) -ErrorAction SilentlyContinue }
            Get-ChildItem $root -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
        }
        'Build' {
            Invoke-DotNet build (Join-Path $root 'OutlookOAuth.sln') -c $Configuration -nologo
            Write-Information "Module assembled in $moduleOut" -InformationAction Continue
        }
        'Test' {
            if ($IsWindows) {
                # The lab (Dovecot/Postfix) needs Linux: run the unit and module tests, and the Pester scenarios.
                Invoke-DotNet test (Join-Path $root 'OutlookOAuth.sln') -c $Configuration -nologo
            }
            else {
                $env:CONFIGURATION = $Configuration
                & bash (Join-Path $root 'tests' 'run-tests.sh')
                if ($LASTEXITCODE -ne 0) { throw "tests/run-tests.sh failed with exit code $LASTEXITCODE" }
            }
            if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
                $result = Invoke-Pester -Path (Join-Path $root 'tests') -Output Detailed -PassThru
                if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed" }
            }
            else {
                Write-Warning 'Pester 5 is not installed: the Pester scenarios in tests/*.Tests.ps1 were not run.'
            }
        }
        'Package' {
            if (-not (Test-Path (Join-Path $moduleOut 'OutlookOAuth.dll'))) { & $PSCommandPath -Task Build -Configuration $Configuration }
            $manifest = Import-PowerShellDataFile (Join-Path $moduleOut 'OutlookOAuth.psd1')
            $artifacts = Join-Path $root 'artifacts'
            New-Item -ItemType Directory -Force $artifacts | Out-Null
            if ($Repository) {
                Publish-PSResource -Path $moduleOut -Repository $Repository
            }
            else {
                $zip = Join-Path $artifacts "OutlookOAuth-$($manifest.ModuleVersion).zip"
                Compress-Archive -Path $moduleOut -DestinationPath $zip -Force
                Get-Item $zip
            }
        }
    }
}
