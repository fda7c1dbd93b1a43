#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for the configuration cmdlets. Build first: ./build.ps1

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
}

Describe 'The single notifications server of the reference docs' {
    BeforeEach {
        $config = Join-Path $TestDrive "single-$([guid]::NewGuid()).yaml"
    }

    It 'configures parameters and one Outlook server with the documented defaults' {
        Set-MailSystemParameter -ConfigPath $config -Name mail.catchall.domain -Value example.com
        Set-MailSystemParameter -ConfigPath $config -Name mail.default.from -Value notifications
        $server = New-OutlookMailServer -ConfigPath $config -Username notifications@example.com

        $server.Name | Should -Be 'notifications@example.com'
        $server.FromFilter | Should -Be 'notifications@example.com'
        $server.HostName | Should -Be 'smtp.office365.com'
        $server.Port | Should -Be 587
        $server.Encryption | Should -Be 'StartTls'
        $server.Direction | Should -Be 'Outgoing'
        $server.PSObject.TypeNames[0] | Should -Be 'OutlookOAuth.Configuration.OutgoingMailServer'

        (Get-MailSystemParameter -ConfigPath $config -Name mail.default.from).Value | Should -Be 'notifications'
        Get-OutlookMailServer -ConfigPath $config | Should -HaveCount 1
        Get-Content $config -Raw | Should -Match 'fromFilter: notifications@example.com'
        if (-not $IsWindows) { (Get-Item $config).UnixFileMode | Should -Be ([IO.UnixFileMode]::UserRead -bor [IO.UnixFileMode]::UserWrite) }
    }

    It 'refuses SSL for an Outlook server with a clear error and leaves the file as it was' {
        New-OutlookMailServer -ConfigPath $config -Username notifications@example.com | Out-Null
        $before = Get-FileHash $config
        Set-OutlookMailServer -ConfigPath $config -Name notifications@example.com -Encryption Ssl -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutlookRequiresStartTls*'
        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }

    It 'reports a malformed file with its line and column and changes nothing' {
        Set-Content $config "version: 1`noutgoingServers:`n- name: a@example.com`n  port: submission`n"
        $before = Get-FileHash $config
        { New-OutlookMailServer -ConfigPath $config -Username b@example.com -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*:4:9: 'port' must be a whole number*"
        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }
}

Describe 'Per-user servers from a CSV' {
    It 'creates a server per valid row, reports the bad row with the row as TargetObject, and saves once' {
        $config = Join-Path $TestDrive 'per-user.yaml'
        $csv = Join-Path $TestDrive 'users.csv'
        @'
Email,Direction,Sequence
john@example.com,Outgoing,10
not-an-address,Outgoing,10
jane@example.com,Outgoing,10
'@ | Set-Content $csv

        $servers = Import-Csv $csv | New-OutlookMailServer -ConfigPath $config -ErrorVariable rowErrors -ErrorAction SilentlyContinue

        $servers.Name | Should -Be @('john@example.com', 'jane@example.com')
        $rowErrors | Should -HaveCount 1
        $rowErrors[0].TargetObject.Email | Should -Be 'not-an-address'
        $rowErrors[0].FullyQualifiedErrorId | Should -BeLike 'OutlookUsernameRequired*'
        (Get-OutlookMailServer -ConfigPath $config).Name | Should -Be @('john@example.com', 'jane@example.com')
    }

    It 'pipes server objects into the next cmdlet by property name' {
        $config = Join-Path $TestDrive 'pipe.yaml'
        'a@example.com', 'b@example.com' | ForEach-Object { [pscustomobject]@{ UserPrincipalName = $_ } } |
            New-OutlookMailServer -ConfigPath $config | Out-Null
        Get-OutlookMailServer -ConfigPath $config | Set-OutlookMailServer -Sequence 20
        (Get-OutlookMailServer -ConfigPath $config).Sequence | Should -Be @(20, 20)
        Get-OutlookMailServer -ConfigPath $config -Name a@* | Remove-OutlookMailServer -Confirm:$false
        (Get-OutlookMailServer -ConfigPath $config).Name | Should -Be 'b@example.com'
    }
}

Describe '-WhatIf changes nothing' {
    It 'leaves the file byte-identical for every changing cmdlet' {
        $config = Join-Path $TestDrive 'whatif.yaml'
        New-OutlookMailServer -ConfigPath $config -Username john@example.com | Out-Null
        $before = Get-FileHash $config

        New-OutlookMailServer -ConfigPath $config -Username jane@example.com -WhatIf | Should -BeNullOrEmpty
        Set-OutlookMailServer -ConfigPath $config -Name john@example.com -Port 25 -WhatIf
        Remove-OutlookMailServer -ConfigPath $config -Name john@example.com -WhatIf
        Set-MailSystemParameter -ConfigPath $config -Name mail.catchall.domain -Value example.com -WhatIf

        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }

    It 'does not even create a missing file' {
        $config = Join-Path $TestDrive 'never.yaml'
        New-OutlookMailServer -ConfigPath $config -Username john@example.com -WhatIf
        Test-Path $config | Should -BeFalse
    }
}
