#Requires -Version 7.4
# The module as PowerShell loads it: import in a fresh pwsh next to another MSAL, help of every cmdlet, -WhatIf and
# -Confirm on every cmdlet that changes something. Cmdlets are discovered from the module, so new ones are covered
# without touching this file. Build first: ./build.ps1

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
    $cmdlets = Get-Command -Module OutlookOAuth -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name; Verb = $_.Verb } }
    # Verbs that only read or report. Every other verb (New, Set, Remove, Connect, Disconnect, Send, Receive — which
    # marks messages read —, ...) changes something and must support -WhatIf and -Confirm.
    $readOnlyVerbs = 'Get', 'Test', 'Resolve', 'Find', 'Search', 'Measure', 'Compare', 'Show', 'Format', 'Select', 'Wait', 'Watch', 'ConvertTo', 'ConvertFrom'
    $changing = $cmdlets | Where-Object { $_.Verb -notin $readOnlyVerbs }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
}

Describe 'The module manifest' {
    It 'exports every cmdlet of the assembly, and the assembly has at least the documented ones' {
        $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')
        $exported = (Get-Command -Module OutlookOAuth -CommandType Cmdlet).Name
        $exported | Should -Not -BeNullOrEmpty
        @($manifest.CmdletsToExport) | Sort-Object | Should -Be ($exported | Sort-Object)
        $exported | Should -Contain 'New-OutlookMailServer'
        $exported | Should -Contain 'Connect-OutlookAccount'
        $exported | Should -Contain 'Test-OutlookConnection'
    }

    It 'is valid and carries the version of the assemblies (one source: Directory.Build.props, stamped at build)' {
        $out = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth'
        $manifest = Test-ModuleManifest -Path (Join-Path $out 'OutlookOAuth.psd1') -ErrorAction Stop
        $assembly = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $out 'OutlookOAuth.dll')).Version
        $core = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $out 'Dependencies' 'OutlookOAuth.Core.dll')).Version
        $manifest.Version | Should -Not -Be ([version]'0.0.0')
        $manifest.Version | Should -Be ([version]::new($assembly.Major, $assembly.Minor, $assembly.Build))
        $core | Should -Be $assembly
        [xml]$props = Get-Content -Raw (Join-Path $PSScriptRoot '..' 'Directory.Build.props')
        $manifest.Version | Should -Be ([version]$props.Project.PropertyGroup.ModuleVersion)
    }
}

Describe 'Errors of the module' {
    It 'maps every kind of core failure to an ErrorCategory of its own, keeping the id, target and hint' {
        # The one map (OutlookCmdlet.ToErrorRecord), called on one failure of each FailureKind of the core.
        $map = [OutlookOAuth.Commands.OutlookCmdlet].GetMethod('ToErrorRecord', [Reflection.BindingFlags]'NonPublic, Static')
        $failureType = $map.GetParameters()[0].ParameterType
        $failureType.FullName | Should -Be 'OutlookOAuth.OutlookOAuthException'
        $kinds = [Enum]::GetValues($failureType.Assembly.GetType('OutlookOAuth.FailureKind'))
        $kinds.Count | Should -BeGreaterThan 6
        $records = foreach ($kind in $kinds) {
            $map.Invoke($null, @([Activator]::CreateInstance($failureType, @("Id$kind", $kind, 'What failed.', 'What to do.', $null)), "target-$kind"))
        }
        $records.CategoryInfo.Category | Should -Not -Contain 'NotSpecified'
        @($records.CategoryInfo.Category | Select-Object -Unique).Count | Should -Be $kinds.Count
        foreach ($r in $records) {
            $r.FullyQualifiedErrorId | Should -Be ('Id' + $r.TargetObject.Substring(7))
            $r.ErrorDetails.RecommendedAction | Should -Be 'What to do.'
        }
    }
}

Describe 'Another MSAL is already loaded when the module is imported' {
    It 'imports and uses the module with MSAL 4.61.3 in the session, each version in its own load context' {
        & dotnet restore (Join-Path $PSScriptRoot 'tools' 'OlderMsal' 'OlderMsal.Restore.csproj') -nologo -v:q | Out-Null
        $LASTEXITCODE | Should -Be 0
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget' 'packages' }
        $older = Join-Path $packages 'microsoft.identity.client' '4.61.3' 'lib' 'net6.0' 'Microsoft.Identity.Client.dll'
        $abstractions = Join-Path $packages 'microsoft.identitymodel.abstractions' '6.35.0' 'lib' 'net6.0' 'Microsoft.IdentityModel.Abstractions.dll'
        $module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
        $config = New-StoryConfig msal
        # What Az or Microsoft.Graph do first: their MSAL in the default context, used (a client application is built).
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$abstractions'
Add-Type -Path '$older'
`$null = [Microsoft.Identity.Client.PublicClientApplicationBuilder]::Create('00000000-0000-0000-0000-000000000001').Build()
Import-Module '$module'
`$secret = ConvertTo-SecureString `$env:OUTLOOKOAUTH_LAB_CLIENT_SECRET -AsPlainText -Force
Set-OutlookApplication -ConfigPath '$config' -ClientId `$env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority `$env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret `$secret
`$test = New-OutlookMailServer -ConfigPath '$config' -Username alice@example.com -HostName 127.0.0.1 -Port `$env:OUTLOOKOAUTH_LAB_SMTP_PORT -WarningAction SilentlyContinue |
    Connect-OutlookAccount -WarningAction SilentlyContinue | Test-OutlookConnection
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Microsoft.Identity.Client' } |
    ForEach-Object { [pscustomobject]@{ Version = `$_.GetName().Version.ToString(); Context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } }
[pscustomobject]@{ Success = `$test.Success; Stage = "`$(`$test.Stage)"; ErrorId = `$test.ErrorId; Message = "`$(`$test.Hint) `$(`$test.Message)"; Msal = @(`$loaded) } | ConvertTo-Json -Depth 3 -Compress
"@
        $env:BROWSER = New-LabBrowser 'alice@example.com'   # signs alice in on the lab's page
        try { $out = Invoke-NewPwsh $script } finally { Remove-Item Env:BROWSER }
        $json = $out | Where-Object { $_ -is [string] -and $_.StartsWith('{') } | Select-Object -Last 1
        $json | Should -Not -BeNullOrEmpty -Because ($out | Out-String)
        $result = $json | ConvertFrom-Json
        $result.Success | Should -BeTrue -Because "$($result.ErrorId): $($result.Message)"
        $result.Stage | Should -Be 'Data'
        ($result.Msal | Where-Object Version -like '4.61.3.*').Context | Should -Be 'Default'
        ($result.Msal | Where-Object Version -like '4.92.0.*').Context | Should -Be 'OutlookOAuth-Dependencies'
    }
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $text = $help | Out-String -Width 400
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"    # Get-Help's stand-in without help is the syntax
    }

    It 'has at least one example' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        @($help.examples.example)[0].code | Should -Match $Name
    }

    It 'names real types, never a generic stand-in like Nullable`1' {
        $text | Should -Not -Match 'Nullable'
        $text | Should -Not -Match '`\d'
        foreach ($p in @($help.parameters.parameter)) { $p.type.name | Should -Not -Match '`' -Because "-$($p.name)" }
    }

    It 'documents every parameter' {
        foreach ($p in @($help.parameters.parameter)) { ($p.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.name) is documented" }
    }
}

Describe '<Name> changes something, so it offers -WhatIf and -Confirm' -ForEach $changing {
    It 'has -WhatIf and -Confirm in its syntax' {
        $syntax = Get-Command $Name -Syntax | Out-String
        $syntax | Should -Match '\[-WhatIf\]'
        $syntax | Should -Match '\[-Confirm\]'
    }
}
