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

Describe 'A forwarding runbook never mails out local files (issue 16, item 10)' {
    BeforeAll {
        $config = Join-Path $TestDrive 'forward.yaml'
        New-SendingLab $config
        # bob's mailbox, read over IMAP: the received messages are the pipeline input of the runbook.
        $env:BROWSER = New-LabBrowser bob@example.com
        New-OutlookMailServer -ConfigPath $config -Name inbox -Username bob@example.com -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
            Connect-OutlookAccount | Out-Null
        Remove-Item Env:BROWSER -ErrorAction SilentlyContinue

        # A stranger's message whose attachments are named after local files: an absolute path and a relative name.
        $subject = "hostile $([guid]::NewGuid())"
        $id = "hostile-$([guid]::NewGuid())@stranger.test"
        $eml = Join-Path $TestDrive 'hostile.eml'
        [IO.File]::WriteAllText($eml, (@(
            'From: alice@example.com', 'To: bob@example.com', "Subject: $subject", "Message-ID: <$id>", 'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'Forward me.',
            '--b', 'Content-Type: text/plain; name="hostname"', 'Content-Disposition: attachment; filename="/etc/hostname"', '', 'stranger one',
            '--b', 'Content-Type: text/plain; name="secret.txt"', 'Content-Disposition: attachment; filename="secret.txt"', '', 'stranger two',
            '--b--', '') -join "`r`n"))
        Send-OutlookMail -ConfigPath $config -MessagePath $eml -ErrorAction Stop | Out-Null
        $deadline = (Get-Date).AddSeconds(20)
        do { $received = Receive-OutlookMail -ConfigPath $config -Name inbox -Peek -All -Limit 0 | Where-Object Subject -eq $subject }
        while (-not $received -and (Get-Date) -lt $deadline -and -not (Start-Sleep -Milliseconds 200))
        # The local files those names point at, as a forwarding runbook in this folder would find them.
        $work = New-Item -ItemType Directory (Join-Path $TestDrive 'runbook')
        Set-Content (Join-Path $work 'secret.txt') 'LOCAL SECRET of this machine'
        $locals = @([IO.File]::ReadAllBytes('/etc/hostname'), [IO.File]::ReadAllBytes((Join-Path $work 'secret.txt')))

        # Every copy of the message that reached bob, and whether any local file's bytes are in one of them.
        function Get-Copies { Get-ChildItem (Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' 'bob') -Recurse -File |
            Where-Object { $_.Directory.Name -in 'new', 'cur' } | Where-Object { Select-String -Path $_.FullName -SimpleMatch -Quiet -Pattern $subject } |
            ForEach-Object { Get-Content -Raw $_.FullName } }
        # (The host name itself is in every copy's Received: header; its file's bytes would come base64-encoded.)
        function Test-Leak([string[]] $Copies) {
            foreach ($copy in $Copies) {
                if ($copy.Contains('LOCAL SECRET')) { return $true }
                foreach ($bytes in $locals) { if ($copy.Replace("`r`n", '').Contains([Convert]::ToBase64String($bytes))) { return $true } }
            }
            $false
        }
    }
    AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'sends a piped received message as it is: its attachment names never pick local files' {
        $received | Should -HaveCount 1
        $received.Attachments | Should -Contain '/etc/hostname'
        Push-Location $work
        try { $sent = $received | Send-OutlookMail -ConfigPath $config -ErrorAction Stop }
        finally { Pop-Location }
        $sent.MessageId | Should -Be $id -Because 'the message itself is sent, not a new one'
        $deadline = (Get-Date).AddSeconds(20)
        while (@(Get-Copies).Count -lt 2 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $copies = @(Get-Copies)
        $copies | Should -HaveCount 2
        Test-Leak $copies | Should -BeFalse
        $copies[0] | Should -Match 'stranger two'
    }

    It 'sends a piped MimeKit message as it is, and refuses to turn a message into a new one' {
        Push-Location $work
        try {
            $sent = $received.Message | Send-OutlookMail -ConfigPath $config -ErrorAction Stop
            $sent.MessageId | Should -Be $id
            (Send-OutlookMail -ConfigPath $config -Message $received -ErrorAction Stop).MessageId | Should -Be $id
            $null = $received | Send-OutlookMail -ConfigPath $config -To carol@partner.test -Attachment secret.txt -ErrorVariable refused -ErrorAction SilentlyContinue
        }
        finally { Pop-Location }
        $refused | Should -HaveCount 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'AmbiguousMessage,*'
        $refused[0].Exception.Message | Should -Match '-To, -Attachment'
        Start-Sleep -Milliseconds 500
        Test-Leak @(Get-Copies) | Should -BeFalse
    }
}

Describe 'The server''s refusals are told as the server said them (issue 16, items 11 and 12)' {
    BeforeAll {
        $config = Join-Path $TestDrive 'refusals.yaml'
        New-SendingLab $config
    }

    It 'refuses a message over the size the server advertises before sending it, naming both sizes' {
        $big = Join-Path $TestDrive 'big.bin'
        [IO.File]::WriteAllBytes($big, [byte[]]::new(36MB))   # the lab's Postfix: message_size_limit 36700160 (Exchange Online's 35 MB default)
        $failure = try { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com -Subject big -Body x -Attachment $big -ErrorAction Stop } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'MessageTooLarge,*'
        $failure.Exception.Message | Should -Match '\d{2},\d{3},\d{3} bytes'
        $failure.Exception.Message | Should -Match '36,700,160 bytes'
        $failure.ErrorDetails.RecommendedAction | Should -Match '35 MB'
        $failure.CategoryInfo.Category | Should -Be 'LimitsExceeded'
    }

    It 'makes each refused recipient an error a runbook stops on, while the others get the message' {
        $subject = "partly refused $([guid]::NewGuid())"
        $results = Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com, refused@example.com -Subject $subject -Body x `
            -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Accepted | Should -Be @('bob@example.com')
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'RecipientRefused,*'
        $failures[0].Exception.Message | Should -Match 'refused@example.com'
        $failures[0].Exception.ServerReply | Should -Match '^550 5\.1\.1'
        $failures[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-LabMail bob@example.com $results.MessageId | Should -Not -BeNullOrEmpty

        $reached = $false
        try { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com, refused@example.com -Subject $subject -Body x -ErrorAction Stop; $reached = $true } catch { $stopped = $_ }
        $reached | Should -BeFalse
        $stopped.FullyQualifiedErrorId | Should -BeLike 'RecipientRefused,*'
    }

    It 'sends to recipients over the server''s limit (452 4.5.3 too many recipients) in a further transaction' {
        # Postfix's smtpd_recipient_limit is 1000: the last 5 of 1,005 get 452 4.5.3, bob among them.
        $to = @(1..1002 | ForEach-Object { "r$_@discard.test" }) + 'bob@example.com' + @(1003..1004 | ForEach-Object { "r$_@discard.test" })
        $result = Send-OutlookMail -ConfigPath $config -From alice@example.com -Bcc $to -Subject "many $([guid]::NewGuid())" -Body x -ErrorAction Stop -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'further transaction' }) | Should -HaveCount 1
        $result.Accepted | Should -HaveCount 1005
        $result.Refused | Should -HaveCount 0
        Start-Sleep -Milliseconds 500
        $null = Get-LabMail bob@example.com $result.MessageId
        @(Get-ChildItem (Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' 'bob') -Recurse -File | Where-Object { $_.Directory.Name -in 'new', 'cur' } |
            Where-Object { Select-String -Path $_.FullName -SimpleMatch -Quiet -Pattern "<$($result.MessageId)>" }) | Should -HaveCount 1
    }
}

Describe 'Bad input is refused before anything is sent (issue 16, item 13)' {
    BeforeAll {
        $config = Join-Path $TestDrive 'input.yaml'
        New-SendingLab $config
        function Get-Failure([scriptblock] $Send) { try { & $Send; $null } catch { $_ } }
    }

    It 'refuses a non-ASCII local part when the server does not advertise SMTPUTF8 (the lab''s Postfix: smtputf8_enable = no)' {
        $f = Get-Failure { Send-OutlookMail -ConfigPath $config -From alice@example.com -To 'jürgen@example.com' -Subject x -Body x -ErrorAction Stop }
        $f.FullyQualifiedErrorId | Should -BeLike 'SmtpUtf8NotSupported,*'
        $f.Exception.Message | Should -Match 'jürgen@example.com'
    }

    It 'refuses CR/LF in -Subject and in a display name' {
        (Get-Failure { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com -Subject "x`r`nBcc: evil@partner.test" -Body x -ErrorAction Stop }).FullyQualifiedErrorId |
            Should -BeLike 'InvalidSubject,*'
        (Get-Failure { Send-OutlookMail -ConfigPath $config -From "Evil`r`nBcc: evil@partner.test <alice@example.com>" -To bob@example.com -Subject x -Body x -ErrorAction Stop }).FullyQualifiedErrorId |
            Should -BeLike 'InvalidAddress,*'
        (Get-Failure { Send-OutlookMail -ConfigPath $config -From alice@example.com -To "Bob`n <bob@example.com>" -Subject x -Body x -ErrorAction Stop }).FullyQualifiedErrorId |
            Should -BeLike 'InvalidAddress,*'
    }

    It 'applies -From to an .eml sent with -MessagePath' {
        $id = "from-$([guid]::NewGuid())@partner.test"
        $eml = Join-Path $TestDrive 'from.eml'
        Set-Content $eml -Value @('From: Carol <carol@my_host.example>', 'To: bob@example.com', 'Subject: With -From', "Message-ID: <$id>", '', 'x')
        $sent = Send-OutlookMail -ConfigPath $config -MessagePath $eml -From 'Alice <alice@example.com>' -ErrorAction Stop
        $sent.Server | Should -Be 'alice@example.com'
        $sent.FromRewritten | Should -BeFalse
        Get-LabMail bob@example.com $id | Should -Match '(?m)^From: "?Alice"? <alice@example.com>'
    }

    It 'names the row and the column of a bad Priority cell, and sends the other rows' {
        $rows = 'From,To,Subject,Body,Priority', 'alice@example.com,bob@example.com,p1,x,High', 'alice@example.com,bob@example.com,p2,x,Urgent' | ConvertFrom-Csv
        $results = $rows | Send-OutlookMail -ConfigPath $config -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Subject | Should -Be 'p1'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidColumnValue,*'
        $failures[0].Exception.Message | Should -Match "Row 2, column 'Priority': 'Urgent'"
        $failures[0].TargetObject.Subject | Should -Be 'p2'
    }

    It 'says a folder is a folder, refuses a FIFO at once, and reports an unreadable attachment as a local file error, not retried' {
        (Get-Failure { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com -Subject x -Body x -Attachment $TestDrive -ErrorAction Stop }).FullyQualifiedErrorId |
            Should -BeLike 'AttachmentIsFolder,*'

        $fifo = Join-Path $TestDrive 'pipe'
        & mkfifo $fifo
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($Module, $Config, $Fifo)
            Import-Module $Module
            try { Send-OutlookMail -ConfigPath $Config -From alice@example.com -To bob@example.com -Subject x -Body x -Attachment $Fifo -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config).AddArgument($fifo)
        $async = $ps.BeginInvoke()
        $done = $async.AsyncWaitHandle.WaitOne(15000)
        if (-not $done) { $ps.Stop() }
        $done | Should -BeTrue -Because 'a FIFO must not block the command'
        $ps.EndInvoke($async) | Should -BeLike 'AttachmentNotRegularFile,*'
        $ps.Dispose()

        # /proc/self/mem is a regular file whose first page cannot be read (EIO): a disk error, not a network one.
        $f = Get-Failure { Send-OutlookMail -ConfigPath $config -From alice@example.com -To bob@example.com -Subject x -Body x -Attachment /proc/self/mem -ErrorAction Stop -Verbose 4>$null }
        $f.FullyQualifiedErrorId | Should -BeLike 'AttachmentUnreadable,*'
        $f.Exception.Message | Should -Match '/proc/self/mem'
        $f.CategoryInfo.Category | Should -Be 'ReadError'
    }
}

Describe 'A CSV mailing interrupted and run again sends each message once (-Journal, issue 16, item 13)' {
    BeforeAll {
        $config = Join-Path $TestDrive 'journal.yaml'
        New-SendingLab $config
        $run = [guid]::NewGuid().ToString('n').Substring(0, 8)
        $csv = Join-Path $TestDrive 'mailing.csv'
        Set-Content $csv (@('From,To,Subject,Body') + (1..5 | ForEach-Object { "alice@example.com,bob@example.com,journal $run row $_,Row $_" }) + "alice@example.com,bob@example.com,journal $run row 5,Row 5")
        $journal = Join-Path $TestDrive 'mailing.journal'
    }

    It 'skips on the re-run what the server accepted before the interruption' {
        # The first run: 2 messages per minute, stopped (Ctrl+C) while it waits for the third.
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($Module, $Config, $Csv, $Journal)
            Import-Module $Module
            Import-Csv $Csv | Send-OutlookMail -ConfigPath $Config -MessagesPerMinute 2 -Journal $Journal
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config).AddArgument($csv).AddArgument($journal)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        $deadline = (Get-Date).AddSeconds(30)
        while ($output.Count -lt 2 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Start-Sleep -Milliseconds 300
        $ps.Stop()
        $output.Count | Should -Be 2
        $ps.Dispose()
        (Get-Item $journal).UnixMode | Should -Be '-rw-------'

        # The re-run: the same command; only the four rows not yet accepted leave (row 5 twice: the CSV has it twice).
        $rerun = Import-Csv $csv | Send-OutlookMail -ConfigPath $config -MessagesPerMinute 0 -Journal $journal -ErrorAction Stop
        $rerun.Subject | Should -Be @("journal $run row 3", "journal $run row 4", "journal $run row 5", "journal $run row 5")
        @(Import-Csv $csv | Send-OutlookMail -ConfigPath $config -Journal $journal -ErrorAction Stop) | Should -HaveCount 0

        Start-Sleep -Seconds 1
        $subjects = Get-ChildItem (Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' 'bob') -Recurse -File | Where-Object { $_.Directory.Name -in 'new', 'cur' } |
            Select-String -Pattern "^Subject: (journal $run row \d)" | ForEach-Object { $_.Matches[0].Groups[1].Value }
        ($subjects | Sort-Object) | Should -Be (@(1..4 | ForEach-Object { "journal $run row $_" }) + @("journal $run row 5", "journal $run row 5"))
    }
}
