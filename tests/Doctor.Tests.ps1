#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories: the mistakes of hand-typed servers and parameters, refused when typed or found by the doctor
# (Test-OutlookMailConfiguration, docs/configuration-checks.md) when they are already in a file. Build first.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
    # The per-user configuration of the reference docs, without findings; each test adds one mistake.
    function New-PerUserConfig {
        $path = Join-Path $TestDrive "doctor-$([guid]::NewGuid()).yaml"
        Set-MailSystemParameter -ConfigPath $path -Name mail.catchall.domain -Value example.com
        Set-MailSystemParameter -ConfigPath $path -Name mail.default.from -Value notifications
        'notifications@example.com', 'john@example.com' | ForEach-Object { New-OutlookMailServer -ConfigPath $path -Username $_ | Out-Null }
        $path
    }
}

Describe 'Set-MailSystemParameter keeps the keys Odoo reads and only $null removes' {
    BeforeEach { $config = New-PerUserConfig; $before = (Get-FileHash $config).Hash }

    It 'refuses -Value "" (the README says $null removes) and leaves the file as it was' {
        Set-MailSystemParameter -ConfigPath $config -Name mail.default.from -Value '' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EmptyParameterValue,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].ErrorDetails.RecommendedAction | Should -Match '-Value \$null'
        (Get-FileHash $config).Hash | Should -Be $before
        Set-MailSystemParameter -ConfigPath $config -Name mail.default.from -Value $null
        Get-MailSystemParameter -ConfigPath $config -Name mail.default.from -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses <Key> with a hint naming the known key, so the validation of the known key is not bypassed' -TestCases @(
        @{ Key = 'MAIL.CATCHALL.DOMAIN'; Id = 'ParameterNameCase' }
        @{ Key = 'mail.catchall.domain '; Id = 'InvalidParameterName' }
    ) {
        Set-MailSystemParameter -ConfigPath $config -Name $Key -Value 'not a domain' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'mail\.catchall\.domain'
        (Get-FileHash $config).Hash | Should -Be $before
    }

    It 'lets the doctor find such a key in a hand-edited file (OOC019), and lets $null remove it' {
        (Get-Content $config -Raw) -replace 'parameters:\n', "parameters:`n  MAIL.CATCHALL.DOMAIN: not a domain`n" | Set-Content $config -NoNewline
        $f = Test-OutlookMailConfiguration -ConfigPath $config | Where-Object RuleId -eq OOC019
        $f.Target | Should -Be 'MAIL.CATCHALL.DOMAIN'
        $f.Fix | Should -Match "-Name 'MAIL.CATCHALL.DOMAIN' -Value \`$null"
        Set-MailSystemParameter -ConfigPath $config -Name MAIL.CATCHALL.DOMAIN -Value $null
        Test-OutlookMailConfiguration -ConfigPath $config | Should -BeNullOrEmpty
    }
}

Describe 'The doctor finds the mistakes admins typed' {
    BeforeEach { $config = New-PerUserConfig }

    It 'a per-user file without mistakes has no finding' {
        Test-OutlookMailConfiguration -ConfigPath $config | Should -BeNullOrEmpty
    }

    It 'OOC014: port 465 with STARTTLS (an Error, so -ErrorAction Stop fails the runbook)' {
        Set-OutlookMailServer -ConfigPath $config -Name john@example.com -Port 465
        $findings = Test-OutlookMailConfiguration -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        $f = $findings | Where-Object RuleId -eq OOC014
        ($f.Severity, $f.Target) | Should -Be @('Error', 'john@example.com')
        $f.Fix | Should -Match '-Port 587'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationHasErrors,*'
    }

    It 'OOC015: a *@domain FROM filter, which Odoo compares literally (the domain is written alone)' {
        Set-OutlookMailServer -ConfigPath $config -Name john@example.com -FromFilter '*@example.com'
        $f = Test-OutlookMailConfiguration -ConfigPath $config | Where-Object RuleId -eq OOC015
        ($f.Severity, $f.Target) | Should -Be @('Warning', 'john@example.com')
        $f.Fix | Should -Match '-FromFilter example\.com'
    }

    It 'OOC016: a username with a trailing dot' {
        New-OutlookMailServer -ConfigPath $config -Name dotted -Username 'jane@example.com.' -Direction Incoming | Out-Null
        $f = Test-OutlookMailConfiguration -ConfigPath $config -ErrorAction SilentlyContinue | Where-Object RuleId -eq OOC016
        ($f.Severity, $f.TargetType, $f.Target) | Should -Be @('Error', 'IncomingServer', 'dotted')
        $f.Fix | Should -Match '-Username jane@example\.com$'
    }

    It 'OOC017: the Unicode and punycode forms of one mailbox saved as two servers' {
        New-OutlookMailServer -ConfigPath $config -Name 'jürgen' -Username 'jurgen@bücher.example' -Direction Incoming | Out-Null
        New-OutlookMailServer -ConfigPath $config -Name 'jurgen-ascii' -Username 'jurgen@xn--bcher-kva.example' -Direction Incoming | Out-Null
        $f = Test-OutlookMailConfiguration -ConfigPath $config | Where-Object RuleId -eq OOC017
        ($f.Severity, $f.Target) | Should -Be @('Warning', 'jurgen-ascii')
        $f.Message | Should -Match 'jurgen@xn--bcher-kva\.example'
    }

    It 'OOC018: a password-auth server without a password, without creating a token store for OAuth-only files' {
        $tokens = Join-Path (Split-Path $config) 'tokens'
        Remove-Item $tokens -Recurse -ErrorAction SilentlyContinue
        Test-OutlookMailConfiguration -ConfigPath $config | Out-Null
        Test-Path $tokens | Should -BeFalse   # the doctor changes nothing

        New-OutlookMailServer -ConfigPath $config -Name relay -Username relay -HostName relay.example.net -Authentication Password -Encryption StartTls -Port 587 -FromFilter example.org -Sequence 30 | Out-Null
        $f = Test-OutlookMailConfiguration -ConfigPath $config -ErrorAction SilentlyContinue | Where-Object RuleId -eq OOC018
        ($f.Severity, $f.Target) | Should -Be @('Error', 'relay')
        $f.Fix | Should -Match '-Authentication Outlook'
    }
}
