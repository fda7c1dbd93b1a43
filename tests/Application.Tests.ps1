#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories: Set-OutlookApplication refuses what Entra would refuse later, says once where secrets land, and never
# asks a question nobody can answer. Real pwsh processes for the sessions without a person. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $script:AppId = '0b5e8a3c-1d2f-4e6a-8b9c-0d1e2f3a4b5c'
    $script:Module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
    # Runs a script in a fresh pwsh of this engine, with standard input redirected from an empty pipe (nobody to answer).
    function Invoke-Session([string] $Script, [switch] $NonInteractive) {
        $pwsh = Join-Path $PSHOME 'pwsh.dll'
        $arguments = @('-NoProfile') + $(if ($NonInteractive) { '-NonInteractive' }) + @('-Command', "Import-Module '$Module'; $Script")
        $output = '' | & dotnet $pwsh @arguments 2>&1 | Out-String
        [pscustomobject]@{ Output = $output; ExitCode = $LASTEXITCODE }
    }
}

Describe 'Set-OutlookApplication refuses what Entra would refuse later' {
    BeforeEach {
        $config = Join-Path $TestDrive "app-$([guid]::NewGuid()).yaml"
    }

    It 'refuses a client id that is not a GUID, or empty, naming the value and the fix, and writes nothing' -TestCases @(
        @{ Id = 'not-a-guid' }, @{ Id = '' }
    ) {
        Set-OutlookApplication -ConfigPath $config -ClientId $Id -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidClientId,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $Id
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Application \(client\) ID'
        Test-Path $config | Should -BeFalse
    }

    It 'refuses -Tenant with -Authority, and Get-OutlookApplication shows the tenant of the authority, never common' {
        { Set-OutlookApplication -ConfigPath $config -ClientId $AppId -Tenant contoso.onmicrosoft.com -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConflictingAuthority,*'
        Test-Path $config | Should -BeFalse

        Set-OutlookApplication -ConfigPath $config -ClientId $AppId -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY
        $app = Get-OutlookApplication -ConfigPath $config
        $app.Tenant | Should -Be $env:OUTLOOKOAUTH_LAB_TENANT
        $app.Authority | Should -Be $env:OUTLOOKOAUTH_LAB_AUTHORITY

        Set-OutlookApplication -ConfigPath $config -Tenant contoso.onmicrosoft.com
        $app = Get-OutlookApplication -ConfigPath $config
        $app.Authority | Should -Be 'https://login.microsoftonline.com/contoso.onmicrosoft.com/'
        $app.AuthorityIsExplicit | Should -BeFalse
    }

    It 'refuses -CertificatePath with -CertificateThumbprint' {
        $pfx = Join-Path $TestDrive 'app.pfx'; 'not a certificate' | Set-Content $pfx
        Set-OutlookApplication -ConfigPath $config -ClientId $AppId -CertificatePath $pfx -CertificateThumbprint ('AB' * 20) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConflictingCertificateSources,*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'only one'
        Test-Path $config | Should -BeFalse
    }

    It 'refuses -ClientSecretFromEnvironment naming a variable that is not set' {
        Remove-Item Env:OOAUTH_STORY_UNSET -ErrorAction SilentlyContinue
        Set-OutlookApplication -ConfigPath $config -ClientId $AppId -ClientSecretFromEnvironment OOAUTH_STORY_UNSET -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentVariableNotSet,*'
        $err[0].TargetObject | Should -Be 'OOAUTH_STORY_UNSET'
        $err[0].Exception.Message | Should -Match 'OOAUTH_STORY_UNSET'
        Test-Path $config | Should -BeFalse
    }

    It 'accepts a GUID-shaped secret but warns that it is the secret ID, not its value (AADSTS7000215)' {
        $guidSecret = ConvertTo-SecureString ([guid]::NewGuid().ToString()) -AsPlainText -Force
        Set-OutlookApplication -ConfigPath $config -ClientId $AppId -Tenant contoso.onmicrosoft.com -ClientSecret $guidSecret -WarningVariable warn -WarningAction SilentlyContinue
        ($warn -join "`n") | Should -Match 'AADSTS7000215'
        ($warn -join "`n") | Should -Match 'Value'
        (Get-OutlookApplication -ConfigPath $config).ClientSecretStored | Should -BeTrue

        Set-OutlookApplication -ConfigPath $config -ClientSecret $Secret -WarningVariable warn2 -WarningAction SilentlyContinue
        ($warn2 -join "`n") | Should -Not -Match 'AADSTS7000215'
    }
}

Describe 'The unprotected token store is announced once, when a secret first lands in it' {
    It 'says it on the first secret stored (with the cause and an action), then never again, and not on other commands' {
        $dir = Join-Path $TestDrive "once-$([guid]::NewGuid())"
        $config = Join-Path $dir 'config.yaml'
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com -WarningVariable w0 | Out-Null
        Get-OutlookApplication -ConfigPath $config -WarningVariable w1 -WarningAction SilentlyContinue | Out-Null
        ($w0 + $w1) -join "`n" | Should -Not -Match 'protected storage'

        $app = Set-OutlookApplication -ConfigPath $config -ClientId $AppId -Tenant contoso.onmicrosoft.com -ClientSecret $Secret -PassThru -WarningVariable w2 -WarningAction SilentlyContinue
        if ($app.TokenStoreProtection -ne 'OwnerOnlyFile') { Set-ItResult -Skipped -Because "the token store is protected here ($($app.TokenStoreProtection))"; return }
        $text = $w2 -join "`n"
        $text | Should -Match 'no protected storage works here'
        $text | Should -Not -Match 'Inspect inner exception'
        $text | Should -Match ([regex]::Escape($app.TokenStorePath))
        $text | Should -Match 'OUTLOOKOAUTH_TOKEN_STORE'

        # A new session storing the next secret is not told again.
        $again = Invoke-Session -NonInteractive "Set-OutlookApplication -ConfigPath '$config' -ClientSecret (ConvertTo-SecureString 'second-secret-value' -AsPlainText -Force) 3>&1"
        $again.Output | Should -Not -Match 'protected storage'
    }
}

Describe 'Nothing interactive happens unless a person can answer' {
    It 'Set-OutlookApplication -Debug saves the application in a session with no console input (<Case>)' -TestCases @(
        @{ Case = 'input redirected'; NonInteractive = $false; How = '-Debug' }
        @{ Case = 'pwsh -NonInteractive'; NonInteractive = $true; How = '-Debug' }
        @{ Case = 'WarningPreference Inquire'; NonInteractive = $false; How = '' }
    ) {
        $config = Join-Path $TestDrive "debug-$([guid]::NewGuid())" 'config.yaml'
        $guidSecret = [guid]::NewGuid().ToString()   # a warning is due (secret looks like its ID), plus the store's
        $script = "`$WarningPreference = 'Inquire'; Set-OutlookApplication -ConfigPath '$config' -ClientId $AppId -ClientSecret (ConvertTo-SecureString '$guidSecret' -AsPlainText -Force) $How -InformationVariable iv 5>`$null; 'saved:' + (Get-OutlookApplication -ConfigPath '$config').ClientId; 'info:' + (`$iv -join ' ')"
        $r = Invoke-Session -Script $script -NonInteractive:$NonInteractive
        $r.Output | Should -Not -Match 'NullReferenceException'
        $r.Output | Should -Not -Match 'NonInteractive mode'
        $r.Output | Should -Not -Match 'Continue with this operation'
        $r.Output | Should -Match "saved:$AppId"
        $r.Output | Should -Match 'info:WARNING: .*AADSTS7000215'   # the warning is kept, on the information stream
        $r.Output | Should -Not -Match ([regex]::Escape($guidSecret))
    }
}

Describe 'A confirmation nobody can answer' {
    It 'Remove-OutlookMailServer (ConfirmImpact High) stops with ConfirmationNotPossible in a session without a person, changing nothing (<Case>)' -TestCases @(
        @{ Case = 'pwsh -NonInteractive'; NonInteractive = $true }
        @{ Case = 'input redirected'; NonInteractive = $false }
    ) {
        $config = Join-Path $TestDrive "confirm-$([guid]::NewGuid()).yaml"
        New-OutlookMailServer -ConfigPath $config -Username old@example.com | Out-Null
        $before = (Get-FileHash $config).Hash
        $r = Invoke-Session -NonInteractive:$NonInteractive "try { Remove-OutlookMailServer -ConfigPath '$config' -Name old@example.com -ErrorAction Stop } catch { 'ID=' + `$_.FullyQualifiedErrorId; 'ACTION=' + `$_.ErrorDetails.RecommendedAction }"
        $r.Output | Should -Match 'ID=ConfirmationNotPossible,'
        $r.Output | Should -Match 'ACTION=.*-Confirm:\$false'
        $r.Output | Should -Not -Match 'NullReferenceException'
        (Get-FileHash $config).Hash | Should -Be $before

        Invoke-Session -NonInteractive:$NonInteractive "Remove-OutlookMailServer -ConfigPath '$config' -Name old@example.com -Confirm:`$false" | Out-Null
        Get-OutlookMailServer -ConfigPath $config | Should -BeNullOrEmpty
    }
}

Describe 'Failures a runbook can catch' {
    It '<Case>: a stable ErrorId (never System.*), a fitting category, the offending object and a RecommendedAction' -TestCases @(
        @{ Case = 'client id'; Id = 'InvalidClientId'; Category = 'InvalidData'; Command = { Set-OutlookApplication -ConfigPath $config -ClientId 'abc' } }
        @{ Case = 'tenant'; Id = 'InvalidTenant'; Category = 'InvalidData'; Command = { Set-OutlookApplication -ConfigPath $config -Tenant 'no spaces please' } }
        @{ Case = 'authority'; Id = 'InvalidAuthority'; Category = 'InvalidData'; Command = { Set-OutlookApplication -ConfigPath $config -Authority 'http://insecure/t/' } }
        @{ Case = 'empty value'; Id = 'EmptyParameterValue'; Category = 'InvalidData'; Command = { Set-MailSystemParameter -ConfigPath $config -Name web.base.url -Value ' ' } }
        @{ Case = 'unknown server'; Id = 'ServerNotFound'; Category = 'ObjectNotFound'; Command = { Get-OutlookMailServer -ConfigPath $config -Name nobody@example.com } }
        @{ Case = 'unknown parameter'; Id = 'ParameterNotFound'; Category = 'ObjectNotFound'; Command = { Get-MailSystemParameter -ConfigPath $config -Name mail.none } }
        @{ Case = 'connect unknown server'; Id = 'ServerNotFound'; Category = 'ObjectNotFound'; Command = { Connect-OutlookAccount -ConfigPath $config -Name nobody@example.com -AppOnly } }
    ) {
        $config = Join-Path $TestDrive "failures-$([guid]::NewGuid()).yaml"
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $record = & { $ErrorActionPreference = 'Continue'; & $Command 2>&1 } | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Select-Object -First 1
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $record.FullyQualifiedErrorId | Should -Not -BeLike 'System.*'
        $record.CategoryInfo.Category | Should -Be $Category
        $record.TargetObject | Should -Not -BeNullOrEmpty
        $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}
