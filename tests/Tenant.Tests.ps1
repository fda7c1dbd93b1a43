#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for the tenant side (issue 18): Register-OutlookApplication, Add-OutlookApplicationAssignment,
# Update-OutlookApplicationSecret and Test-OutlookTenant against the lab tenant (Microsoft Graph v1.0 served by the lab
# authority under $env:OUTLOOKOAUTH_LAB_GRAPH, its sign-in refusing what Entra refuses). Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $script:LabBase = ([uri]$env:OUTLOOKOAUTH_LAB_AUTHORITY).GetLeftPart('Authority')
    function Invoke-LabControl([string] $Path, [hashtable] $Form = @{}) {
        $curlArgs = @(foreach ($k in $Form.Keys) { '--data-urlencode'; "$k=$($Form[$k])" })
        curl -s --cacert $env:OUTLOOKOAUTH_CA_FILE -X POST @curlArgs "$LabBase$Path" | ConvertFrom-Json
    }
    function Get-LabTenant { curl -s --cacert $env:OUTLOOKOAUTH_CA_FILE "$LabBase/_lab/graph/tenant" | ConvertFrom-Json }
    # The secret as the module stored it (the token store is an owner-only plain file here: no keyring on this host).
    function Get-StoredSecret([string] $Config) {
        Get-Content -Raw (Join-Path (Split-Path $Config) 'tokens' 'application-client-secret.bin')
    }
    # Every file of the story except the token store, whose job is to hold the secret.
    function Get-StoryText([string] $Config) {
        Get-ChildItem (Split-Path $Config) -Recurse -File | Where-Object FullName -NotLike '*/tokens/*' | Get-Content -Raw
    }
    function New-LabCsv([string[]] $Users) {
        $csv = Join-Path $TestDrive "users-$([guid]::NewGuid().ToString('n').Substring(0, 6)).csv"
        @('Username,HostName,Port') + ($Users | ForEach-Object { "$_,$LabHost,$env:OUTLOOKOAUTH_LAB_SMTP_PORT" }) | Set-Content $csv
        $csv
    }

    Invoke-LabControl '/_lab/graph/reset' | Out-Null
    $env:OUTLOOKOAUTH_GRAPH_ENDPOINT = $env:OUTLOOKOAUTH_LAB_GRAPH
    # The administrator signs in once in the lab's browser; later commands of this session sign in silently.
    $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN
}

AfterAll {
    Remove-Item Env:BROWSER, Env:OUTLOOKOAUTH_GRAPH_ENDPOINT -ErrorAction SilentlyContinue
    Invoke-LabControl '/_lab/graph/reset' | Out-Null
}

Describe 'From a tenant with no application to mail flowing, in one script' {
    BeforeAll {
        $config = New-StoryConfig tenant
        $env:OUTLOOKOAUTH_CONFIG = $config
    }
    AfterAll { Remove-Item Env:OUTLOOKOAUTH_CONFIG -ErrorAction SilentlyContinue }

    It '-WhatIf lists the Graph calls and leaves the tenant and the configuration untouched' {
        Set-MailSystemParameter -Name web.base.url -Value https://odoo.example.com
        $before = Get-LabTenant | ConvertTo-Json -Depth 5
        $file = Get-Content -Raw $config
        $out = Register-OutlookApplication -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -GrantAdminConsent -WhatIf -Verbose 4>&1 | Out-String
        $out | Should -Match 'POST /applications \(create'
        $out | Should -Match 'POST /oauth2PermissionGrants'
        $out | Should -Match 'addPassword'
        Get-LabTenant | ConvertTo-Json -Depth 5 | Should -Be $before
        Get-Content -Raw $config | Should -Be $file
    }

    It 'registers the application, consents, and stores the secret where Set-OutlookApplication does, never showing it' {
        $all = Register-OutlookApplication -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -GrantAdminConsent -SecretExpiresOn (Get-Date).AddDays(90) *>&1
        $script:registered = $all | Where-Object { $_.PSObject.TypeNames -contains 'OutlookOAuth.Graph.RegistrationResult' }
        $registered.Application | Should -Be 'Created'
        $registered.ServicePrincipal | Should -Be 'Created'
        $registered.AdminConsent | Should -Be 'Created'
        $registered.Secret | Should -Be 'Created'
        $registered.RedirectUri | Should -Be 'https://odoo.example.com/microsoft_outlook/confirm'
        $registered.SecretExpires | Should -BeGreaterThan (Get-Date).AddDays(89)
        $app = Get-OutlookApplication
        $app.ClientId | Should -Be $registered.AppId
        $app.ClientSecretStored | Should -BeTrue
        $app.SecretKeyId | Should -Be $registered.SecretKeyId
        $app.SecretExpiresInDays | Should -BeIn 88, 89
        (Get-LabTenant).applications.appId | Should -Contain $registered.AppId

        $secret = Get-StoredSecret $config
        $secret.Length | Should -BeGreaterThan 20
        ($all | Out-String) | Should -Not -Match ([regex]::Escape($secret))
        Get-StoryText $config | Should -Not -Match ([regex]::Escape($secret))
    }

    It 'changes nothing when run again' {
        $before = Get-LabTenant | ConvertTo-Json -Depth 5
        $again = Register-OutlookApplication -GrantAdminConsent
        $again.AppId | Should -Be $registered.AppId
        $again.Changes | Should -BeNullOrEmpty
        @($again.Application, $again.ServicePrincipal, $again.AdminConsent, $again.Secret) | Should -Be @('Found', 'Found', 'Found', 'Found')
        Get-LabTenant | ConvertTo-Json -Depth 5 | Should -Be $before
    }

    It 'assigns the users of a CSV, connects them, tests and sends; the secret is in no stream, file or $Error' {
        $Error.Clear()
        $csv = New-LabCsv 'alice@example.com'
        $env:BROWSER = New-LabBrowser   # the user of each sign-in is the server's username (login_hint)
        try {
            $all = Import-Csv $csv | New-OutlookMailServer | Add-OutlookApplicationAssignment | Connect-OutlookAccount *>&1
        }
        finally { $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN }
        $servers = $all | Where-Object { $_.PSObject.TypeNames -contains 'OutlookOAuth.Configuration.MailServer' }
        $servers | Should -HaveCount 1
        $servers.TokenStatus | Should -Be 'Valid'
        (Get-OutlookMailServer | Test-OutlookConnection).Success | Should -BeTrue
        $sent = Send-OutlookMail -From alice@example.com -To bob@example.com -Subject 'Tenant story' -Body 'Registered from a script.' -ErrorAction Stop
        $sent.Accepted | Should -Be @('bob@example.com')

        $secret = Get-StoredSecret $config
        ($all | Out-String) | Should -Not -Match ([regex]::Escape($secret))
        ($Error | Out-String) | Should -Not -Match ([regex]::Escape($secret))
        Get-StoryText $config | Should -Not -Match ([regex]::Escape($secret))
        Test-OutlookTenant | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
    }

    It 'turns a user not assigned (AADSTS50105) into the module''s error with its fix, and assigning fixes it' {
        New-OutlookMailServer -Username bob@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        (Test-OutlookTenant -ErrorAction SilentlyContinue | Where-Object RuleId -eq 'OOT006').Target | Should -Be 'bob@example.com'
        $env:BROWSER = New-LabBrowser bob@example.com
        try {
            Connect-OutlookAccount -Name bob@example.com -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AADSTS50105*'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'Add-OutlookApplicationAssignment'
            $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN
            Get-OutlookMailServer -Name bob@example.com | Add-OutlookApplicationAssignment | Out-Null
            $env:BROWSER = New-LabBrowser bob@example.com
            (Connect-OutlookAccount -Name bob@example.com).TokenStatus | Should -Be 'Valid'
        }
        finally { $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN }
    }

    It 'assigns nothing twice, and one row that fails is one error while the others go on' {
        $csv = New-LabCsv 'alice@example.com', 'nobody@example.com', 'bob@example.com'
        $out = Import-Csv $csv | Add-OutlookApplicationAssignment -ErrorVariable err -ErrorAction SilentlyContinue -Verbose 4>&1
        ($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Username | Should -Be @('alice@example.com', 'bob@example.com')
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UserNotFound*'
        $err[0].TargetObject.Username | Should -Be 'nobody@example.com'
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Not -Match 'POST /servicePrincipals/.*/appRoleAssignedTo'
    }

    It 'reports a redirect URI that does not match web.base.url (AADSTS50011) and a re-run adds it' {
        Set-MailSystemParameter -Name web.base.url -Value https://erp.example.com
        $f = Test-OutlookTenant -ErrorVariable err -ErrorAction SilentlyContinue | Where-Object RuleId -eq 'OOT003'
        $f.Message | Should -Match 'https://erp.example.com/microsoft_outlook/confirm'
        $f.Message | Should -Match 'AADSTS50011'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TenantHasErrors*'
        (Register-OutlookApplication).Application | Should -Be 'Updated'
        Test-OutlookTenant | Where-Object RuleId -eq 'OOT003' | Should -BeNullOrEmpty
    }

    It 'turns the Secret ID pasted as the secret (AADSTS7000215) into the module''s error with its fix' {
        $keyId = (Get-OutlookApplication).SecretKeyId
        Set-OutlookApplication -ClientSecret (ConvertTo-SecureString $keyId -AsPlainText -Force) -WarningVariable warn 3>$null
        $warn | Should -Match 'Secret ID'
        $env:BROWSER = New-LabBrowser alice@example.com
        try {
            Connect-OutlookAccount -Name alice@example.com -Force -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        }
        finally { $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN }
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AADSTS7000215*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Value'
        # The fix: a new secret through Graph (the stored key id was cleared by the hand-set secret).
        $rotation = Update-OutlookApplicationSecret -KeepOldSecret -WarningAction SilentlyContinue
        $rotation.NewKeyId | Should -Not -BeNullOrEmpty
        (Get-OutlookMailServer -Name alice@example.com | Connect-OutlookAccount -Silent).TokenStatus | Should -Be 'Valid'
    }

    It 'turns an expired secret (AADSTS7000222) into the module''s error, and the rotation brings mail back' {
        Invoke-LabControl '/_lab/graph/expire-secret' @{ app_id = $registered.AppId } | Out-Null
        (Test-OutlookTenant -ErrorAction SilentlyContinue | Where-Object RuleId -eq 'OOT007').Severity | Should -Be 'Error'
        Connect-OutlookAccount -Name alice@example.com -Silent -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AADSTS7000222*'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Update-OutlookApplicationSecret'
        $rotation = Update-OutlookApplicationSecret -GraceSeconds 0
        $rotation.OldSecretRemoved | Should -BeTrue
        (Get-OutlookMailServer -Name alice@example.com | Connect-OutlookAccount -Silent).TokenStatus | Should -Be 'Valid'
        Test-OutlookTenant | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
    }
}

Describe 'Consent and permissions' {
    It 'turns a missing consent (AADSTS65001) into the module''s error with its fix, and -GrantAdminConsent fixes it' {
        $config = New-StoryConfig noconsent
        Set-MailSystemParameter -ConfigPath $config -Name web.base.url -Value https://odoo.example.com
        $r = Register-OutlookApplication -ConfigPath $config -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -DisplayName 'OutlookOAuth no consent'
        $r.AdminConsent | Should -Be 'Skipped'
        (Test-OutlookTenant -ConfigPath $config | Where-Object RuleId -eq 'OOT005').Severity | Should -Be 'Warning'
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        $env:BROWSER = New-LabBrowser alice@example.com
        try {
            Connect-OutlookAccount -ConfigPath $config -Name alice@example.com -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AADSTS65001*'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'GrantAdminConsent'
            $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN
            (Register-OutlookApplication -ConfigPath $config -DisplayName 'OutlookOAuth no consent' -GrantAdminConsent).AdminConsent | Should -Be 'Created'
            $env:BROWSER = New-LabBrowser alice@example.com
            (Connect-OutlookAccount -ConfigPath $config -Name alice@example.com).TokenStatus | Should -Be 'Valid'
        }
        finally { $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN }
    }

    It 'sets up app-only roles and outputs the Exchange Online commands with the enterprise application''s id' {
        $config = New-StoryConfig apponly
        $r = Register-OutlookApplication -ConfigPath $config -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -DisplayName 'OutlookOAuth runbook' `
            -RedirectUri https://odoo.example.com/microsoft_outlook/confirm -AppOnly -GrantAdminConsent -InformationVariable exo
        $r.AppOnlyRoles | Should -Be 'Created'
        $commands = $exo.MessageData -join "`n"
        $commands | Should -Match "New-ServicePrincipal -AppId $($r.AppId) -ObjectId $($r.ServicePrincipalId)"
        $commands | Should -Match "-Role 'Application SMTP.SendAsApp'"
        $commands | Should -Not -Match $r.ObjectId
        Test-OutlookTenant -ConfigPath $config | Where-Object RuleId -eq 'OOT010' | Should -BeNullOrEmpty
        (Register-OutlookApplication -ConfigPath $config -DisplayName 'OutlookOAuth runbook' -RedirectUri https://odoo.example.com/microsoft_outlook/confirm -AppOnly -GrantAdminConsent).Changes | Should -BeNullOrEmpty
    }

    It 'retries Graph''s 503 after Retry-After' {
        $config = New-StoryConfig throttled
        Invoke-LabControl '/_lab/graph/throttle' @{ count = 2; status = 503; retry_after = 1 } | Out-Null
        $r = Register-OutlookApplication -ConfigPath $config -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -DisplayName 'OutlookOAuth throttled' -RedirectUri https://odoo.example.com/microsoft_outlook/confirm
        $r.Application | Should -Be 'Created'
    }

    It 'names the missing role when a user who is no administrator tries (403)' {
        $browser = New-LabBrowser alice@example.com
        $out = Invoke-NewPwsh @"
Import-Module '$(Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')'
`$env:BROWSER = '$browser'
`$env:OUTLOOKOAUTH_TOKEN_STORE = '$(Join-Path $TestDrive 'alice-tokens')'
Register-OutlookApplication -ConfigPath '$(Join-Path $TestDrive 'alice.yaml')' -Authority '$env:OUTLOOKOAUTH_LAB_AUTHORITY' -RedirectUri https://x.example.com/c -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null
`$e[0].FullyQualifiedErrorId
`$e[0].Exception.Message
"@
        ($out | Out-String) | Should -Match 'GraphPermissionDenied'
        ($out | Out-String) | Should -Match 'Application.ReadWrite.All'
        Test-Path (Join-Path $TestDrive 'alice.yaml') | Should -BeFalse
    }
}

Describe 'Rotating the secret under a running send loop' {
    It 'loses no message' {
        $config = New-StoryConfig rotation
        Set-MailSystemParameter -ConfigPath $config -Name web.base.url -Value https://odoo.example.com
        Register-OutlookApplication -ConfigPath $config -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -DisplayName 'OutlookOAuth rotation' -GrantAdminConsent | Out-Null
        $env:BROWSER = New-LabBrowser
        try {
            Import-Csv (New-LabCsv 'alice@example.com') | New-OutlookMailServer -ConfigPath $config | Add-OutlookApplicationAssignment | Connect-OutlookAccount | Out-Null
        }
        finally { $env:BROWSER = New-LabBrowser $env:OUTLOOKOAUTH_LAB_ADMIN }
        $oldKey = (Get-OutlookApplication -ConfigPath $config).SecretKeyId
        # Short-lived access tokens: the loop refreshes with the client secret all through the rotation.
        $lifetime = (Invoke-LabControl '/_lab/settings').access_token_lifetime
        Invoke-LabControl '/_lab/settings' @{ access_token_lifetime = 2 } | Out-Null
        try {
            $module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
            $store = $env:OUTLOOKOAUTH_TOKEN_STORE
            $job = Start-ThreadJob {
                Import-Module $using:module
                $env:OUTLOOKOAUTH_TOKEN_STORE = $using:store
                foreach ($i in 1..12) {
                    Send-OutlookMail -ConfigPath $using:config -From alice@example.com -To bob@example.com -Subject "rotation $i" -Body x
                    Start-Sleep -Milliseconds 700
                }
            }
            Start-Sleep -Seconds 2
            $rotation = Update-OutlookApplicationSecret -ConfigPath $config -GraceSeconds 3
            $results = $job | Receive-Job -Wait -ErrorVariable loopErrors -ErrorAction SilentlyContinue
            $job | Remove-Job
        }
        finally { Invoke-LabControl '/_lab/settings' @{ access_token_lifetime = $lifetime } | Out-Null }
        $loopErrors | Should -BeNullOrEmpty
        $results | Should -HaveCount 12
        $results.Accepted | Should -Be (@('bob@example.com') * 12)
        $rotation.OldKeyId | Should -Be $oldKey
        $rotation.OldSecretRemoved | Should -BeTrue
        (Get-OutlookApplication -ConfigPath $config).SecretKeyId | Should -Be $rotation.NewKeyId
        Test-OutlookTenant -ConfigPath $config | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
    }
}
