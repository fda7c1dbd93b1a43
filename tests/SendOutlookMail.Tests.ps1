#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for Send-OutlookMail against the lab's real Postfix (submission, STARTTLS, XOAUTH2 checked by Dovecot)
# which delivers @example.com mail into Dovecot Maildirs under $env:OUTLOOKOAUTH_LAB_DIR/mail. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')

    # An application and one outgoing server per user in @Users (FROM filter = the user), each connected in the lab browser.
    function New-SendingLab([string] $Config, [string[]] $Users = @('alice@example.com'), [string[]] $Unconnected = @()) {
        Set-OutlookApplication -ConfigPath $Config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        foreach ($user in $Users + $Unconnected) {
            New-OutlookMailServer -ConfigPath $Config -Username $user -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        }
        foreach ($user in $Users) {
            $env:BROWSER = New-LabBrowser $user
            Connect-OutlookAccount -ConfigPath $Config -Name $user | Out-Null
        }
        Remove-Item Env:BROWSER -ErrorAction SilentlyContinue
    }

    # The delivered copy of a message in a lab mailbox (the Maildir file whose Message-Id matches), waiting for delivery.
    function Get-LabMail([string] $User, [string] $MessageId, [int] $TimeoutSeconds = 20) {
        $local, $domain = $User -split '@'
        $root = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' $domain $local
        $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
        do {
            # Newest first, stopping at the match: the lab mailboxes keep every earlier run's mail.
            $file = Get-ChildItem -Path $root -Recurse -File -ErrorAction SilentlyContinue |
                Where-Object { $_.Directory.Name -in 'new', 'cur' } | Sort-Object LastWriteTimeUtc -Descending |
                Where-Object { Select-String -Path $_.FullName -SimpleMatch -Quiet -Pattern "<$MessageId>" } | Select-Object -First 1
            if ($file) { return Get-Content -Raw $file.FullName }
            Start-Sleep -Milliseconds 100
        } while ((Get-Date) -lt $deadline)
    }
}

Describe 'A runbook replaces Send-MailMessage' {
    BeforeAll {
        $config = Join-Path $TestDrive 'runbook.yaml'
        New-SendingLab $config
        $report = Join-Path $TestDrive 'report.csv'
        1..2000 | ForEach-Object { "line $_,$([guid]::NewGuid())" } | Set-Content $report
    }

    It 'sends the report with its attachment and stops at the first failure (-ErrorAction Stop)' {
        $sent = Send-OutlookMail -ConfigPath $config -From 'Nightly Job <alice@example.com>' -To bob@example.com -Cc alice@example.com `
            -Subject 'Nightly report' -Body 'See the attached report.' -Attachment $report -Priority High -ErrorAction Stop
        $sent.PSObject.TypeNames[0] | Should -Be 'OutlookOAuth.Mail.Sending.MailSendResult'
        $sent.Server | Should -Be 'alice@example.com'
        $sent.EnvelopeFrom | Should -Be 'alice@example.com'
        $sent.Accepted | Should -Be @('bob@example.com', 'alice@example.com')
        $sent.Reply | Should -Match '^2\.0\.0'

        $raw = Get-LabMail bob@example.com $sent.MessageId
        $raw | Should -Not -BeNullOrEmpty
        $raw | Should -Match '(?m)^Return-Path: <alice@example.com>'
        $raw | Should -Match '(?m)^X-Priority: 2 \(High\)'
        $raw | Should -Match '(?m)^Importance: high'
        $raw | Should -Match 'filename=report.csv'
        $part = $raw.Substring($raw.IndexOf('filename=report.csv'))
        $base64 = ($part -split '\r?\n\r?\n', 2)[1] -split '\r?\n--' | Select-Object -First 1
        $received = [Convert]::FromBase64String(($base64 -replace '\s'))
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($received)) |
            Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([IO.File]::ReadAllBytes($report))))

        # A sender this mailbox may not use: the server's reply and the fix, and the runbook stops there.
        $reached = $false
        $failure = try {
            Send-OutlookMail -ConfigPath $config -From mallory@example.com -To bob@example.com -Subject 'x' -Body 'x' -ErrorAction Stop
            $reached = $true
        } catch { $_ }
        $reached | Should -BeFalse
        $failure.FullyQualifiedErrorId | Should -BeLike 'SendAsDenied,*'
        $failure.Exception.ServerReply | Should -Match 'not owned by user'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Add-RecipientPermission'
    }

    It 'shows server, From and envelope with -WhatIf and sends nothing' {
        $subject = "whatif $([guid]::NewGuid())"
        $since = Get-Date
        $out = Send-OutlookMail -ConfigPath $config -From 'Carol <carol@my_host.example>' -To bob@example.com -Subject $subject -Body x -WhatIf 6>&1 | Out-String
        $out | Should -BeNullOrEmpty -Because 'What if text goes to the host, no object is output'
        Start-Sleep -Milliseconds 500
        $root = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' 'bob'
        Get-ChildItem $root -Recurse -File -ErrorAction SilentlyContinue | Where-Object LastWriteTime -ge $since |
            Select-String -SimpleMatch $subject | Should -BeNullOrEmpty
    }

    It 'sends saved .eml files as they are, keeping their Message-Id and serving Bcc without naming it' {
        $id = "eml-$([guid]::NewGuid())@partner.test"
        $eml = Join-Path $TestDrive 'saved.eml'
        Set-Content $eml -Value @(
            'From: Carol Client <carol@my_host.example>', 'To: bob@example.com', 'Bcc: alice@example.com', 'Subject: Saved message',
            "Message-ID: <$id>", 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Sent as it is.')
        $emlConfig = Join-Path $TestDrive 'eml.yaml'
        New-SendingLab $emlConfig
        Set-MailSystemParameter -ConfigPath $emlConfig -Name mail.default.from -Value alice@example.com
        $sent = Get-ChildItem $eml | Send-OutlookMail -ConfigPath $emlConfig -ErrorAction Stop
        $sent.MessageId | Should -Be $id
        $sent.Accepted | Should -Be @('bob@example.com', 'alice@example.com')
        $sent.FromRewritten | Should -BeTrue
        $raw = Get-LabMail bob@example.com $id
        $raw | Should -Match '(?m)^Subject: Saved message'
        $raw | Should -Match '(?m)^Reply-To: "?Carol Client"? <carol@my_host.example>'
        $raw | Should -Not -Match '(?m)^Bcc:'
        Get-LabMail alice@example.com $id | Should -Not -BeNullOrEmpty
    }

    It 'paces at -MessagesPerMinute and stops at once on Ctrl+C (StopProcessing) while it waits' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($Module, $Config)
            Import-Module $Module
            1..3 | ForEach-Object { [pscustomobject]@{ From = 'alice@example.com'; To = 'bob@example.com'; Subject = "paced $_"; Body = 'x' } } |
                Send-OutlookMail -ConfigPath $Config -MessagesPerMinute 1
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        $deadline = (Get-Date).AddSeconds(30)
        while ($output.Count -lt 1 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        # .Count, not the pipeline: enumerating an open PSDataCollection blocks until the command ends.
        $output.Count | Should -Be 1 -Because 'the first message leaves at once'
        Start-Sleep -Milliseconds 500
        $output.Count | Should -Be 1 -Because 'the second waits for the minute'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $async.IsCompleted | Should -BeTrue
        $output.Count | Should -Be 1
        $ps.Dispose()
    }

    It 'accepts senders as liberally as Odoo, in Resolve-OutlookMailServer too' {
        (Resolve-OutlookMailServer -ConfigPath $config -From 'test@my_host.example').ServerName | Should -Be 'alice@example.com'
    }
}

Describe 'A CSV mailing sends one message per row' {
    BeforeAll {
        $config = Join-Path $TestDrive 'mailing.yaml'
        New-SendingLab $config
        Set-MailSystemParameter -ConfigPath $config -Name mail.default.from -Value alice@example.com
        Set-Content (Join-Path $TestDrive 'mailing.csv') @(
            'From,To,Subject,Body,BodyAsHtml'
            'alice@example.com,bob@example.com,Row one,First,false'
            '"Carol Client <carol@my_host.example>",bob@example.com,Row two,<p>Second</p>,true'
            'alice@example.com,"bob@example.com, alice@example.com",Row three,Third,'
        )
    }

    It 'binds the columns by name, keeps one connection and rewrites a sender without a server' {
        $verbose = $null
        $results = Import-Csv (Join-Path $TestDrive 'mailing.csv') | Send-OutlookMail -ConfigPath $config -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = $all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $results | Should -HaveCount 3
        $results.Subject | Should -Be @('Row one', 'Row two', 'Row three')
        ($verbose | Where-Object Message -like 'Connected to*') | Should -HaveCount 1
        ($verbose.Message -join "`n") | Should -Not -Match 'eyJ'

        $results[1].FromRewritten | Should -BeTrue
        $results[1].From | Should -Be '"Carol Client" <alice@example.com>'
        $raw = Get-LabMail bob@example.com $results[1].MessageId
        $raw | Should -Match '(?m)^From: "?Carol Client"? <alice@example.com>'
        $raw | Should -Match '(?m)^Reply-To: "?Carol Client"? <carol@my_host.example>'
        $raw | Should -Match 'multipart/alternative'
        $raw | Should -Match '<p>Second</p>'
        Get-LabMail bob@example.com $results[0].MessageId | Should -Not -Match 'text/html'
        $results[2].Accepted | Should -Be @('bob@example.com', 'alice@example.com')
        Get-LabMail alice@example.com $results[2].MessageId | Should -Not -BeNullOrEmpty

        $table = $results | Format-Table | Out-String -Width 400
        $table | Should -Match 'MessageId\s+Server\s+From\s+EnvelopeFrom\s+Accepted\s+Refused\s+Reply'
    }
}

Describe 'A mailing where one sender has no connected account' {
    BeforeAll {
        $config = Join-Path $TestDrive 'mixed.yaml'
        New-SendingLab $config -Users 'alice@example.com' -Unconnected 'bob@example.com'
    }

    It 'sends the good rows, and the row of the unconnected sender is an error naming the row and the fix' {
        $rows = @(
            [pscustomobject]@{ From = 'alice@example.com'; To = 'bob@example.com'; Subject = 'good 1'; Body = 'x' }
            [pscustomobject]@{ From = 'bob@example.com'; To = 'alice@example.com'; Subject = 'no account'; Body = 'x' }
            [pscustomobject]@{ From = 'alice@example.com'; To = 'bob@example.com'; Subject = 'good 2'; Body = 'x' }
        )
        $results = $rows | Send-OutlookMail -ConfigPath $config -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Subject | Should -Be @('good 1', 'good 2')
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $failures[0].TargetObject.Subject | Should -Be 'no account'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'Connect-OutlookAccount'
        foreach ($r in $results) { Get-LabMail bob@example.com $r.MessageId | Should -Not -BeNullOrEmpty }
    }
}
