#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the OutlookOAuth module.
.DESCRIPTION
    Build   (default) dotnet build; assembles the loadable module in out/OutlookOAuth.
    Test    the README test command (tests/run-tests.sh: lab, every xunit project, every Pester story under the
            repository's PowerShell 7.6.9 and Pester 5.9.1 from NuGet). On Windows: xunit and the stories without lab.
    Package makes, in -OutputPath (default artifacts/), the two forms a module is installed from:
              OutlookOAuth.<version>.nupkg  what a PowerShell repository serves (Install-PSResource, Install-Module):
                                            packed by PSResourceGet's Compress-PSResource, the packer of
                                            Publish-PSResource (module folder content with the .psd1 at the root,
                                            nuspec generated from the manifest, which this task then marks with
                                            <license type="file">LICENSE</license>);
              OutlookOAuth.zip              what an Azure Automation runtime environment imports: Automation wants
                                            the zip, its one folder and the manifest to have the same name, so the
                                            version is only inside (root folder OutlookOAuth/ holding the .psd1).
            With -Repository NAME (registered with Register-PSResourceRepository) it also publishes the .nupkg there.
    Clean   removes bin/, obj/, out/, artifacts/ and TestResults/.
.EXAMPLE
    ./build.ps1
    ./build.ps1 -Task Test
    ./build.ps1 -Task Package -Configuration Release
.EXAMPLE
    Register-PSResourceRepository -Name LocalPackages -Uri /srv/psrepo -Trusted; ./build.ps1 -Task Package -Repository LocalPackages
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [string] $Repository,
    [string] $OutputPath = (Join-Path $PSScriptRoot 'artifacts')
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
            foreach ($file in 'LICENSE', 'THIRD-PARTY-NOTICES.txt') {
                if (-not (Test-Path (Join-Path $moduleOut $file))) { throw "$moduleOut has no ${file}: build again (./build.ps1) before packaging." }
            }
            $version = (Import-PowerShellDataFile (Join-Path $moduleOut 'OutlookOAuth.psd1')).ModuleVersion
            $artifacts = New-Item -ItemType Directory -Force $OutputPath
            $nupkg = Join-Path $artifacts "OutlookOAuth.$version.nupkg"
            $zip = Join-Path $artifacts 'OutlookOAuth.zip'    # Automation: zip, folder and manifest of one name
            Remove-Item $nupkg, $zip -ErrorAction SilentlyContinue

            # The repository package, packed the way Publish-PSResource packs it (the same code in PSResourceGet).
            Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
            Compress-PSResource -Path $moduleOut -DestinationPath $artifacts
            if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write $nupkg" }
            # PSResourceGet writes licenseUrl only from a LicenseUri, and the project has none: the licence is the
            # LICENSE file inside the package, which the nuspec names (NuGet's <license type="file">).
            Add-Type -AssemblyName System.IO.Compression
            $archive = [IO.Compression.ZipFile]::Open($nupkg, [IO.Compression.ZipArchiveMode]::Update)
            try {
                $entry = $archive.Entries | Where-Object { $_.FullName -eq 'OutlookOAuth.nuspec' }
                if (-not $entry) { throw "$nupkg has no OutlookOAuth.nuspec at its root" }
                $reader = [IO.StreamReader]::new($entry.Open()); try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
                $metadata = $nuspec.package.metadata
                $license = $nuspec.CreateElement('license', $metadata.NamespaceURI)
                $license.SetAttribute('type', 'file'); $license.InnerText = 'LICENSE'
                $null = $metadata.AppendChild($license)
                $entry.Delete()
                $writer = [IO.StreamWriter]::new($archive.CreateEntry('OutlookOAuth.nuspec').Open(), [Text.UTF8Encoding]::new($false))
                try { $nuspec.Save($writer) } finally { $writer.Dispose() }
            }
            finally { $archive.Dispose() }

            # The Automation import: a zip whose one root folder is OutlookOAuth/ (entries always with '/').
            [IO.Compression.ZipFile]::CreateFromDirectory($moduleOut, $zip, [IO.Compression.CompressionLevel]::Optimal, $true)

            if ($Repository) { Publish-PSResource -NupkgPath $nupkg -Repository $Repository }
            Get-Item $nupkg, $zip
        }
    }
}
