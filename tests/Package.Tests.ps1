#Requires -Version 7.4
# Installed the way admins and Azure Automation install modules. `build.ps1 -Task Package` makes the .nupkg a
# PowerShell repository serves and the .zip an Automation runtime environment imports; an admin publishes the package
# to a local file repository, another machine (a fresh HOME, no PSModulePath, a new pwsh) installs it with
# Install-PSResource -Scope CurrentUser, imports it by name and sends mail through the lab; the .zip, extracted,
# imports and works too. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
    $version = (Import-PowerShellDataFile (Join-Path $root 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')).ModuleVersion
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    # A new pwsh of this PowerShell in a fresh user profile: HOME and the XDG folders (where PowerShell keeps the
    # CurrentUser modules and PSResourceGet its repository list) in a new folder, PSModulePath unset so that pwsh
    # computes it from that HOME. Everything else (the lab's variables) is inherited. Output and errors as text.
    # The XDG folders must exist: .NET reports a missing one as "" and PSResourceGet would then keep its repository
    # list under the current folder (which is the profile folder too).
    function Invoke-FreshPwsh([string] $ProfileDir, [string] $Script) {
        foreach ($dir in '.local/share', '.config', '.cache') { New-Item -ItemType Directory -Force (Join-Path $ProfileDir $dir) | Out-Null }
        $path = Join-Path $ProfileDir "script-$([guid]::NewGuid().ToString('n').Substring(0, 8)).ps1"
        Set-Content -Path $path -Value "`$ErrorActionPreference = 'Stop'`n`$PSStyle.OutputRendering = 'PlainText'`n$Script"
        $exe = [Environment]::ProcessPath
        $start = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $path) { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true; $start.UseShellExecute = $false
        $start.WorkingDirectory = $ProfileDir
        $start.Environment['HOME'] = $ProfileDir
        $start.Environment['XDG_DATA_HOME'] = Join-Path $ProfileDir '.local' 'share'
        $start.Environment['XDG_CONFIG_HOME'] = Join-Path $ProfileDir '.config'
        $start.Environment['XDG_CACHE_HOME'] = Join-Path $ProfileDir '.cache'
        $start.Environment.Remove('PSModulePath') | Out-Null
        $process = [Diagnostics.Process]::Start($start)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        if (-not $process.WaitForExit(240000)) { $process.Kill($true) }
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout; Errors = $stderr.Result; Text = "$stdout`n$($stderr.Result)" }
    }
    function Quote([string] $s) { "'" + $s.Replace("'", "''") + "'" }

    # The admin's side: build.ps1 -Task Package, publishing to a file repository registered in the admin's profile.
    $repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
    $artifacts = Join-Path $TestDrive 'artifacts'
    $script:packaging = Invoke-FreshPwsh (Join-Path $TestDrive 'admin-home') @"
Register-PSResourceRepository -Name LocalPackages -Uri $(Quote $repository.FullName) -Trusted
& $(Quote (Join-Path $root 'build.ps1')) -Task Package -Repository LocalPackages -OutputPath $(Quote $artifacts) | ForEach-Object Name
"@
    $nupkg = Join-Path $artifacts "OutlookOAuth.$version.nupkg"
    $zip = Join-Path $artifacts 'OutlookOAuth.zip'    # Automation wants zip, folder and manifest of one name
    $env:BROWSER = New-LabBrowser -Folder $TestDrive    # signs in as the account the module asks for
}

AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

Describe 'build.ps1 -Task Package' {
    It 'makes the repository package and the Automation zip, and publishes the package to -Repository' {
        $packaging.ExitCode | Should -Be 0 -Because $packaging.Text
        $packaging.Output | Should -Match "OutlookOAuth\.$([regex]::Escape($version))\.nupkg"
        $nupkg | Should -Exist
        $zip | Should -Exist
        Join-Path $repository "OutlookOAuth.$version.nupkg" | Should -Exist
    }

    It 'packs the module folder with the manifest at the root, the licence and the notices, and a nuspec from the manifest' {
        $archive = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $names = $archive.Entries.FullName
            foreach ($file in 'OutlookOAuth.psd1', 'OutlookOAuth.dll', 'OutlookOAuth.Loader.dll', 'OutlookOAuth.Format.ps1xml',
                'LICENSE', 'THIRD-PARTY-NOTICES.txt', 'Dependencies/OutlookOAuth.Core.dll', 'Dependencies/MailKit.dll',
                'Dependencies/Microsoft.Identity.Client.dll', 'en-US/OutlookOAuth.dll-Help.xml') {
                $names | Should -Contain $file
            }
            $reader = [IO.StreamReader]::new(($archive.Entries | Where-Object FullName -eq 'OutlookOAuth.nuspec').Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
            $license = [IO.StreamReader]::new(($archive.Entries | Where-Object FullName -eq 'LICENSE').Open())
            try { $licenseText = $license.ReadToEnd() } finally { $license.Dispose() }
        }
        finally { $archive.Dispose() }
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'OutlookOAuth'
        $m.version | Should -Be $version
        $m.authors | Should -Be 'OutlookOAuth contributors'
        $m.tags -split ' ' | Should -Contain 'PSModule'
        $m.license.type | Should -Be 'file'
        $m.license.'#text' | Should -Be 'LICENSE'
        # Only true metadata: no invented project or licence address.
        $m.projectUrl | Should -BeNullOrEmpty
        $m.licenseUrl | Should -BeNullOrEmpty
        $licenseText | Should -Match '^MIT License'
        $licenseText | Should -Match 'Copyright \(c\) OutlookOAuth contributors'
    }

    It 'zips one root folder OutlookOAuth/ holding the manifest, as Azure Automation imports it' {
        $archive = [IO.Compression.ZipFile]::OpenRead($zip)
        try { $names = @($archive.Entries.FullName) } finally { $archive.Dispose() }
        # Automation: the zip, its one folder and the manifest in it have the same name.
        [IO.Path]::GetFileNameWithoutExtension($zip) | Should -Be 'OutlookOAuth'
        @($names | ForEach-Object { $_.Split('/')[0] } | Select-Object -Unique) | Should -Be @('OutlookOAuth')
        $names | Should -Contain 'OutlookOAuth/OutlookOAuth.psd1'
        $names | Should -Contain 'OutlookOAuth/LICENSE'
        $names | Should -Contain 'OutlookOAuth/Dependencies/OutlookOAuth.Core.dll'
        $names | Where-Object { $_ -match '\\' } | Should -BeNullOrEmpty
    }
}

Describe 'An admin installs it from a PowerShell repository' {
    It 'installs with Install-PSResource -Scope CurrentUser into a fresh profile, imports it by name and sends mail through the lab' {
        $home2 = Join-Path $TestDrive 'runbook-home'
        $config = Join-Path $TestDrive 'installed' 'config.yaml'
        $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive 'installed' 'tokens'
        $run = Invoke-FreshPwsh $home2 @"
if (Get-Module -ListAvailable OutlookOAuth) { throw 'OutlookOAuth is already visible before the install' }
Register-PSResourceRepository -Name LocalPackages -Uri $(Quote $repository.FullName) -Trusted
Install-PSResource -Name OutlookOAuth -Repository LocalPackages -Scope CurrentUser
Import-Module OutlookOAuth
`$m = Get-Module OutlookOAuth
"BASE `$(`$m.ModuleBase)"
"VERSION `$(`$m.Version)"
"INSTALLED `$((Get-InstalledPSResource -Name OutlookOAuth -Scope CurrentUser).Version)"
`$secret = ConvertTo-SecureString `$env:OUTLOOKOAUTH_LAB_CLIENT_SECRET -AsPlainText -Force
Set-OutlookApplication -ConfigPath $(Quote $config) -ClientId `$env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority `$env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret `$secret | Out-Null
New-OutlookMailServer -ConfigPath $(Quote $config) -Username alice@example.com -HostName `$env:OUTLOOKOAUTH_LAB_HOST -Port `$env:OUTLOOKOAUTH_LAB_SMTP_PORT |
    Connect-OutlookAccount -ConfigPath $(Quote $config) | Out-Null
Set-MailSystemParameter -ConfigPath $(Quote $config) -Name mail.catchall.domain -Value example.com
Set-MailSystemParameter -ConfigPath $(Quote $config) -Name mail.default.from -Value alice
`$check = Test-OutlookMailConfiguration -ConfigPath $(Quote $config)
"CHECK `$(@(`$check | Where-Object Severity -eq 'Error').Count) errors"
`$sent = Send-OutlookMail -ConfigPath $(Quote $config) -From alice@example.com -To bench@elsewhere.example -Subject 'installed from a repository' -Body 'hello'
"SENT `$(`$sent.Accepted -join ',') `$(`$sent.MessageId)"
"@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Match ([regex]::Escape("BASE $(Join-Path $home2 '.local' 'share' 'powershell' 'Modules' 'OutlookOAuth' $version)"))
        $run.Output | Should -Match "VERSION $([regex]::Escape($version))"
        $run.Output | Should -Match "INSTALLED $([regex]::Escape($version))"
        $run.Output | Should -Match 'CHECK 0 errors'
        $run.Output | Should -Match 'SENT bench@elsewhere\.example \S+'
        # The installed folder is the package's content: the licence and the notices came along.
        Join-Path $home2 '.local' 'share' 'powershell' 'Modules' 'OutlookOAuth' $version 'LICENSE' | Should -Exist
        Join-Path $home2 '.local' 'share' 'powershell' 'Modules' 'OutlookOAuth' $version 'THIRD-PARTY-NOTICES.txt' | Should -Exist
    }
}

Describe 'Azure Automation imports the zip' {
    It 'extracts to OutlookOAuth/, imports from there in a fresh profile and checks a configuration' {
        $modules = New-Item -ItemType Directory (Join-Path $TestDrive 'automation-modules')
        [IO.Compression.ZipFile]::ExtractToDirectory($zip, $modules.FullName)
        $config = Join-Path $TestDrive 'automation' 'config.yaml'
        $run = Invoke-FreshPwsh (Join-Path $TestDrive 'automation-home') @"
`$env:PSModulePath = $(Quote $modules.FullName) + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module OutlookOAuth
"BASE `$((Get-Module OutlookOAuth).ModuleBase)"
"CMDLETS `$(@(Get-Command -Module OutlookOAuth).Count)"
Set-MailSystemParameter -ConfigPath $(Quote $config) -Name mail.catchall.domain -Value example.com
Set-MailSystemParameter -ConfigPath $(Quote $config) -Name mail.default.from -Value notifications
New-OutlookMailServer -ConfigPath $(Quote $config) -Username notifications@example.com -HostName `$env:OUTLOOKOAUTH_LAB_HOST -Port `$env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
"SERVERS `$(@(Get-OutlookMailServer -ConfigPath $(Quote $config)).Count)"
`$check = Test-OutlookMailConfiguration -ConfigPath $(Quote $config)
"CHECK `$(@(`$check | Where-Object Severity -eq 'Error').Count) errors"
"@
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Errors | Should -BeNullOrEmpty
        $manifest = Import-PowerShellDataFile (Join-Path $root 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')
        $run.Output | Should -Match ([regex]::Escape("BASE $(Join-Path $modules.FullName 'OutlookOAuth')"))
        $run.Output | Should -Match "CMDLETS $(@($manifest.CmdletsToExport).Count)"
        $run.Output | Should -Match 'SERVERS 1'
        $run.Output | Should -Match 'CHECK 0 errors'
    }
}
