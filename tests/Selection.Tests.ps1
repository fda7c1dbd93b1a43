#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for Resolve-OutlookMailServer and Test-OutlookMailConfiguration. Build first: ./build.ps1

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
}

Describe 'An admin checks who sends what in the per-user configuration of the Odoo docs' {
    BeforeAll {
        $cfg = Join-Path $TestDrive "per-user-$([guid]::NewGuid()).yaml"
        Set-MailSystemParameter -Name mail.catchall.domain -Value example.com -ConfigPath $cfg
        Set-MailSystemParameter -Name mail.default.from -Value notifications -ConfigPath $cfg
        @(
            [pscustomobject]@{ Username = 'john@example.com'; Sequence = 10 }
            [pscustomobject]@{ Username = 'jane@example.com'; Sequence = 10 }
            [pscustomobject]@{ Username = 'notifications@example.com'; Sequence = 20 }
        ) | New-OutlookMailServer -ConfigPath $cfg | Out-Null
    }

    It 'sends a user with a server of their own through it, From kept' {
        $r = Resolve-OutlookMailServer -From '"Jane Doe" <jane@example.com>' -ConfigPath $cfg
        $r.ServerName | Should -Be 'jane@example.com' -Because 'the server name defaults to the username'
        $r.Rule | Should -Be 'ExactAddress'
        $r.From | Should -Be '"Jane Doe" <jane@example.com>'
        $r.EnvelopeFrom | Should -Be 'jane@example.com'
        $r.ReplyTo | Should -BeNullOrEmpty
    }

    It 'sends a sender without a server through the notifications server with the rewritten From' {
        $r = 'Bob Smith <bob@example.com>' | Resolve-OutlookMailServer -ConfigPath $cfg -WarningVariable warnings
        $r.ServerName | Should -Be 'notifications@example.com'
        $r.Rule | Should -Be 'NotificationsAddress'
        $r.From | Should -Be '"Bob Smith" <notifications@example.com>'
        $r.ReplyTo | Should -Be 'Bob Smith <bob@example.com>'
        $r.EnvelopeFrom | Should -Be 'notifications@example.com'
        $r.Reason | Should -Match 'rewritten'
        $warnings | Should -BeNullOrEmpty
    }

    It 'resolves a CSV of senders by property name and reports a bad one without stopping' {
        $rows = @(
            [pscustomobject]@{ Email = 'john@example.com' }
            [pscustomobject]@{ Email = 'Doe, Jane <jane@example.com>' }
            [pscustomobject]@{ Email = 'partner@customer.example' }
        )
        $r = $rows | Resolve-OutlookMailServer -ConfigPath $cfg -ErrorVariable bad -ErrorAction SilentlyContinue
        $r.ServerName | Should -Be @('john@example.com', 'notifications@example.com')
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSender,*'
        $bad[0].TargetObject | Should -Be 'Doe, Jane <jane@example.com>'
    }

    It 'finds nothing wrong with the documented configuration and changes nothing' {
        $before = Get-FileHash $cfg
        Test-OutlookMailConfiguration -ConfigPath $cfg -ErrorAction Stop | Should -BeNullOrEmpty
        (Get-FileHash $cfg).Hash | Should -Be $before.Hash
    }

    It 'flags a missing notifications server and fails a runbook with -ErrorAction Stop' {
        Remove-OutlookMailServer -Name 'notifications@example.com' -Direction Outgoing -ConfigPath $cfg -Confirm:$false
        $findings = Test-OutlookMailConfiguration -ConfigPath $cfg -ErrorVariable err -ErrorAction SilentlyContinue
        $findings.RuleId | Should -Contain 'OOC003'
        ($findings | Where-Object RuleId -eq 'OOC003').Severity | Should -Be 'Error'
        $err[-1].FullyQualifiedErrorId | Should -BeLike 'ConfigurationHasErrors,*'
        { Test-OutlookMailConfiguration -ConfigPath $cfg -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigurationHasErrors,OutlookOAuth.Commands.TestOutlookMailConfigurationCommand'

        $r = Resolve-OutlookMailServer -From 'bob@example.com' -ConfigPath $cfg -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Rule | Should -Be 'FirstServer'
        $warnings | Should -Not -BeNullOrEmpty
    }
}
