#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for Test-OutlookConnection against the lab's real Postfix (submission, STARTTLS) and Dovecot (IMAPS),
# which accept the lab authority's tokens (tests/lab/start.sh). No Microsoft tenant is needed. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')

    # One outgoing and one incoming server for alice, connected through the lab authority.
    function New-ConnectedLab([string] $Config) {
        Set-OutlookApplication -ConfigPath $Config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        $env:BROWSER = New-LabBrowser 'alice@example.com'
        New-OutlookMailServer -ConfigPath $Config -Name smtp-alice -Username alice@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT |
            Connect-OutlookAccount | Out-Null
        New-OutlookMailServer -ConfigPath $Config -Name imap-alice -Username alice@example.com -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
            Connect-OutlookAccount | Out-Null
    }
}

Describe 'An admin proves that the configured servers work' {
    BeforeEach {
        $config = New-StoryConfig lab
        New-ConnectedLab $config
    }
    AfterEach { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'tests every server of the file: SMTP up to DATA, IMAP up to SELECT INBOX' {
        $results = Get-OutlookMailServer -ConfigPath $config | Test-OutlookConnection
        $results | Should -HaveCount 2
        $results | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'OutlookOAuth.Mail.ConnectionTestResult' }
        $smtp = $results | Where-Object Direction -eq 'Outgoing'
        $smtp.Success | Should -BeTrue
        $smtp.Stage | Should -Be 'Data'
        $smtp.Sender | Should -Be 'alice@example.com'
        $smtp.TokenExpiresOn | Should -BeGreaterThan (Get-Date)
        $smtp.StageDurations.Stage | Should -Be @('Token', 'Connect', 'Tls', 'Authenticate', 'Sender', 'Recipient', 'Data')
        $imap = $results | Where-Object Direction -eq 'Incoming'
        $imap.Success | Should -BeTrue
        $imap.Stage | Should -Be 'Select'
        $imap.MessageCount | Should -BeGreaterOrEqual 0
    }

    It 'answers only $true/$false with -Quiet, and selects servers by name' {
        Test-OutlookConnection -ConfigPath $config -Name 'smtp-*' -Quiet | Should -Be @($true)
        Test-OutlookConnection -ConfigPath $config -Name imap-alice -Direction Incoming -Quiet | Should -Be @($true)
    }

    It 'reports a sender the mailbox may not use, with the fix' {
        Set-OutlookMailServer -ConfigPath $config -Name smtp-alice -FromFilter bob@example.com
        $result = Test-OutlookConnection -ConfigPath $config -Name smtp-alice -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Success | Should -BeFalse
        $result.ErrorId | Should -Be 'SendAsDenied'
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SendAsDenied,*'
        $failed[0].TargetObject.Name | Should -Be 'smtp-alice'
        $result.ReplyCode | Should -Be 553
        $result.Hint | Should -Match ([regex]::Escape("-FromFilter 'alice@example.com'"))
    }

    It 'refuses a certificate that is not trusted, and never turns validation off' {
        $saved = $env:OUTLOOKOAUTH_CA_FILE
        try {
            Remove-Item Env:OUTLOOKOAUTH_CA_FILE
            $result = Test-OutlookConnection -ConfigPath $config -Name imap-alice -ErrorAction SilentlyContinue
            $result.Stage | Should -Be 'Tls'
            $result.ErrorId | Should -Be 'CertificateNotTrusted'
            $result.Hint | Should -Match 'OUTLOOKOAUTH_CA_FILE'
        }
        finally { $env:OUTLOOKOAUTH_CA_FILE = $saved }
    }

    It 'reports a server that does not listen at the Connect stage' {
        Set-OutlookMailServer -ConfigPath $config -Name smtp-alice -Port 1
        $result = Test-OutlookConnection -ConfigPath $config -Name smtp-alice -TimeoutSeconds 5 -ErrorAction SilentlyContinue
        $result.Stage | Should -Be 'Connect'
        $result.ErrorId | Should -Be 'ConnectionRefused'
    }

    It 'stops at once on Ctrl+C while servers do not answer, and Select-Object -First 1 ends the tests' {
        # A server that accepts the connection and never says a word (the kernel accepts; nobody reads or writes).
        $silent = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            Set-OutlookMailServer -ConfigPath $config -Name smtp-alice -Port $silent.LocalEndpoint.Port
            Set-OutlookMailServer -ConfigPath $config -Name imap-alice -Port $silent.LocalEndpoint.Port
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                param($Module, $Config)
                Import-Module $Module
                Get-OutlookMailServer -ConfigPath $Config | Test-OutlookConnection -TimeoutSeconds 120
            }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 1
            $async.IsCompleted | Should -BeFalse -Because 'the servers do not answer'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $async.IsCompleted | Should -BeTrue
            $ps.Dispose()

            Set-OutlookMailServer -ConfigPath $config -Name smtp-alice -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $first = Get-OutlookMailServer -ConfigPath $config | Test-OutlookConnection -TimeoutSeconds 120 -ErrorAction SilentlyContinue | Select-Object -First 1
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'the silent server is not waited for once the first result was taken'
            $first.Name | Should -Be 'smtp-alice'
            $first.Success | Should -BeTrue
        }
        finally { $silent.Stop() }
    }

    It 'writes a redacted protocol transcript on the verbose stream only' {
        $out = Get-OutlookMailServer -ConfigPath $config | Test-OutlookConnection -Verbose 4>&1 6>&1
        $verbose = $out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Should -Not -BeNullOrEmpty
        ($verbose -join "`n") | Should -Match 'AUTH XOAUTH2 <redacted>'
        ($verbose -join "`n") | Should -Not -Match 'eyJ'            # no JWT
        ($verbose -join "`n") | Should -Not -Match 'dXNlcj'         # no base64 of "user="
        $out | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | Should -BeNullOrEmpty
    }

    It 'tests a CSV of 20 mailboxes 8 at a time and streams a result per server' {
        $csv = 1..20 | ForEach-Object { [pscustomobject]@{ Name = "bulk-$_"; Username = 'alice@example.com'; HostName = $LabHost; Port = $env:OUTLOOKOAUTH_LAB_SMTP_PORT } }
        $env:BROWSER = New-LabBrowser 'alice@example.com'
        $csv | New-OutlookMailServer -ConfigPath $config | Connect-OutlookAccount | Out-Null
        $results = Test-OutlookConnection -ConfigPath $config -Name 'bulk-*' -ThrottleLimit 8
        $results | Should -HaveCount 20
        ($results | Where-Object Success).Count | Should -Be 20
    }
}

Describe 'An admin keeps two configuration files, each with its tokens beside it' {
    BeforeEach {
        $a = New-StoryConfig tenant-a
        $b = New-StoryConfig tenant-b
        Remove-Item Env:OUTLOOKOAUTH_TOKEN_STORE   # tokens/ beside each file
        New-ConnectedLab $a
        New-OutlookMailServer -ConfigPath $b -Name bob-smtp -Username bob@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
    }
    AfterEach { Remove-Item Env:BROWSER, Env:OUTLOOKOAUTH_TOKEN_STORE -ErrorAction SilentlyContinue }

    It 'tests the servers piped from the other file with that file''s tokens' {
        $results = Get-OutlookMailServer -ConfigPath $a | Test-OutlookConnection -ConfigPath $b
        $results | Should -HaveCount 2
        ($results | Where-Object Success).Count | Should -Be 2
        Test-Path (Join-Path (Split-Path $a) 'tokens') | Should -BeTrue
        Test-Path (Join-Path (Split-Path $b) 'tokens') | Should -BeFalse   # b's token store was never needed, so never made
    }

    It 'reads $env:OUTLOOKOAUTH_TOKEN_STORE as it is when each command runs' {
        (Get-OutlookMailServer -ConfigPath $a).TokenStatus | Should -Be @('Valid', 'Valid')
        $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive "moved-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        (Get-OutlookMailServer -ConfigPath $a).TokenStatus | Should -Be @('Missing', 'Missing')
        Test-Path $env:OUTLOOKOAUTH_TOKEN_STORE | Should -BeFalse   # reading a status creates no token store
        Remove-Item Env:OUTLOOKOAUTH_TOKEN_STORE
        (Get-OutlookMailServer -ConfigPath $a).TokenStatus | Should -Be @('Valid', 'Valid')
    }
}
