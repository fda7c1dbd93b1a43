#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the OutlookOAuth module.
.DESCRIPTION
    Build   (default) dotnet build; assembles the loadable module in out/OutlookOAuth.
    Test    the README test command (tests/run-tests.sh: lab, every xunit project, every Pester story under the
            repository's PowerShell 7.6.9 and Pester 5.9.1 from NuGet). On Windows: xunit and the stories without lab.
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
            # The project's own engine: PowerShell 7.6.9 from the tool manifest and Pester 5.9.1 from NuGet (run by
            # tests/Invoke-Stories.ps1), never a Pester installed on the machine.
            if ($IsWindows) {
                # The lab (Dovecot/Postfix) needs Linux: the xunit projects, and the stories that need no lab.
                Invoke-DotNet test (Join-Path $root 'OutlookOAuth.sln') -c $Configuration -nologo
                Invoke-DotNet tool restore
                $stories = 'Configuration.Tests.ps1', 'Selection.Tests.ps1' | ForEach-Object { Join-Path $root 'tests' $_ }
                Invoke-DotNet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tests' 'Invoke-Stories.ps1') -Path ($stories -join ',')
            }
            else {
                # Build, lab, xunit and every Pester story; the last line counts both.
                $env:CONFIGURATION = $Configuration
                & bash (Join-Path $root 'tests' 'run-tests.sh')
                if ($LASTEXITCODE -ne 0) { throw "tests/run-tests.sh failed with exit code $LASTEXITCODE" }
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
