#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for Receive-OutlookMail against the lab: mail is really delivered through the lab's Postfix (authenticated
# submission with a lab token, by curl), then received from Dovecot over IMAP by the module. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')

    # Waits until $Count unread messages are in the server's INBOX (delivery through LMTP takes a moment).
    function Wait-LabMail([string] $Config, [string] $Name, [int] $Count) {
        $deadline = (Get-Date).AddSeconds(20)
        while (@(Receive-OutlookMail -ConfigPath $Config -Name $Name -Peek).Count -lt $Count) {
            if ((Get-Date) -gt $deadline) { throw "$Count messages did not arrive for $Name" }
            Start-Sleep -Milliseconds 200
        }
    }

    # A configuration with one incoming server for the "shared mailbox" (the lab authority signs in alice and bob only:
    # bob stands in for it), signed in on the lab authority; mail already there is taken first, so each story starts empty.
    function New-SharedMailbox([string] $Config) {
        $mailbox = 'bob@example.com'
        Set-OutlookApplication -ConfigPath $Config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        $env:BROWSER = New-LabBrowser $mailbox
        New-OutlookMailServer -ConfigPath $Config -Name support -Username $mailbox -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
            Connect-OutlookAccount | Out-Null
        Receive-OutlookMail -ConfigPath $Config -Name support -Limit 0 | Out-Null
        $mailbox
    }

    # Issue 16's stories put raw mail (hostile or not) straight into bob's Maildir, as a stranger's server would deliver it.
    $maildir = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' 'example.com' 'bob' 'Maildir'

    # Empties bob's INBOX and Failed folder on disk (a story that failed midway must not leave poison for the next one).
    function Clear-LabMailbox {
        foreach ($box in $maildir, (Join-Path $maildir '.Failed')) {
            foreach ($sub in 'new', 'cur') { Get-ChildItem (Join-Path $box $sub) -File -ErrorAction SilentlyContinue | Remove-Item -Force }
        }
    }

    # Puts a raw message into bob's INBOX through the Maildir (as a stranger's server would deliver it, hostile or not)
    # and waits until Dovecot has given it a UID, so messages get UIDs in the order they were added.
    function Add-LabMessage([string] $Raw) {
        $count = { @(Receive-OutlookMail -ConfigPath $config -Name support -Peek -All -Limit 0 -ErrorAction SilentlyContinue -ErrorVariable e).Count + @($e).Count }
        $before = & $count
        $name = "$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).story$([guid]::NewGuid().ToString('N')).lab"
        [IO.File]::WriteAllText((Join-Path $maildir 'tmp' $name), $Raw)
        Move-Item (Join-Path $maildir 'tmp' $name) (Join-Path $maildir 'new' $name)
        $deadline = (Get-Date).AddSeconds(20)
        while ((& $count) -le $before) {
            if ((Get-Date) -gt $deadline) { throw 'the message did not arrive' }
            Start-Sleep -Milliseconds 100
        }
    }

    function New-RawMessage([string] $Subject, [string] $MessageId = "<$([guid]::NewGuid().ToString('N'))@story.example.com>",
        [string] $Date = [DateTimeOffset]::Now.ToString('r')) {
        (@("From: <stranger@example.com>", "To: <bob@example.com>", "Subject: $Subject", "Date: $Date", "Message-ID: $MessageId",
            'MIME-Version: 1.0', 'Content-Type: text/plain', '', "Body of $Subject", '') -join "`r`n")
    }
}

Describe 'A runbook files the attachments that arrive in a shared mailbox' {
    BeforeEach {
        $config = Join-Path $TestDrive "shared-$([guid]::NewGuid()).yaml"
        $mailbox = New-SharedMailbox $config
        $invoice = [byte[]](1..3000 | ForEach-Object { $_ % 251 })
    }
    AfterEach { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'saves every new message as an .eml, files its attachments, marks it read, and gets nothing the second time' {
        Send-LabMail -From customer@example.com -To $mailbox -Subject 'Invoice 1' -Attachment @{ 'invoice-1.pdf' = $invoice }
        Send-LabMail -From customer@example.com -To $mailbox -Subject 'A question'
        Send-LabMail -From vendor@example.com -To $mailbox -Subject 'Invoice 2' -Attachment ([ordered]@{ 'invoice-2.pdf' = $invoice; 'terms.txt' = [Text.Encoding]::ASCII.GetBytes('terms') })
        Wait-LabMail $config support 3
        $archive = Join-Path $TestDrive "archive-$([guid]::NewGuid())"
        $files = New-Item -ItemType Directory (Join-Path $TestDrive "files-$([guid]::NewGuid())")

        # The runbook.
        $received = Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive | ForEach-Object {
            foreach ($attachment in $_.Message.Attachments) {
                $stream = [IO.File]::Create((Join-Path $files $attachment.FileName))
                try { $attachment.Content.DecodeTo($stream) } finally { $stream.Dispose() }
            }
            $_
        }

        $received.Subject | Should -Be @('Invoice 1', 'A question', 'Invoice 2')
        $received[0].PSObject.TypeNames[0] | Should -Be 'OutlookOAuth.Mail.Receiving.ReceivedMessage'
        $received[0].Server | Should -Be 'support'
        $received[0].From | Should -Match 'customer@example.com'
        $received[0].To | Should -Be @($mailbox)
        $received[2].Attachments | Should -Be @('invoice-2.pdf', 'terms.txt')
        $received | ForEach-Object { $_.Path | Should -Exist; $_.Uid | Should -BeGreaterThan 0 }
        (Get-ChildItem $archive).Count | Should -Be 3
        [IO.File]::ReadAllBytes((Join-Path $files 'invoice-1.pdf')) | Should -Be $invoice
        Get-Content (Join-Path $files 'terms.txt') | Should -Be 'terms'
        ($received | Format-Table | Out-String) | Should -Match 'Uid\s+Date\s+From\s+Subject'

        Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive | Should -BeNullOrEmpty
        Receive-OutlookMail -ConfigPath $config -Name support -Peek | Should -BeNullOrEmpty
        (Get-ChildItem $archive).Count | Should -Be 3
    }

    It 'leaves the message whose filing throws, and every later one, unread for the next run' {
        'one', 'two', 'three' | ForEach-Object { Send-LabMail -From customer@example.com -To $mailbox -Subject $_ }
        Wait-LabMail $config support 3

        { Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'two') { throw 'cannot file two' } } } |
            Should -Throw 'cannot file two'

        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be @('two', 'three')
        (Receive-OutlookMail -ConfigPath $config -Name support).Subject | Should -Be @('two', 'three')
    }

    It 'leaves them all unread with -Peek, and changes nothing with -WhatIf' {
        Start-Sleep -Milliseconds 1100     # the server's INTERNALDATE has whole seconds
        $start = Get-Date
        'one', 'two' | ForEach-Object { Send-LabMail -From customer@example.com -To $mailbox -Subject $_ }
        Wait-LabMail $config support 2

        (Get-OutlookMailServer -ConfigPath $config -Name support | Receive-OutlookMail -Peek).Subject | Should -Be @('one', 'two')
        Receive-OutlookMail -ConfigPath $config -Name support -WhatIf | Should -BeNullOrEmpty
        (Receive-OutlookMail -ConfigPath $config -Name support -Peek -All -Since $start).Count | Should -Be 2
        (Receive-OutlookMail -ConfigPath $config -Name support -Limit 1).Subject | Should -Be 'one'
        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be 'two'
    }
}

Describe 'A pipeline that stops early loses nothing' {
    BeforeEach {
        $config = Join-Path $TestDrive "stop-$([guid]::NewGuid()).yaml"
        $mailbox = New-SharedMailbox $config
    }
    AfterEach { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'Select-Object -First 1 takes the oldest message; the others stay unread and come next' {
        'one', 'two', 'three' | ForEach-Object { Send-LabMail -From customer@example.com -To $mailbox -Subject $_ }
        Wait-LabMail $config support 3

        (Receive-OutlookMail -ConfigPath $config -Name support | Select-Object -First 1).Subject | Should -Be 'one'

        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be @('two', 'three')
        (Receive-OutlookMail -ConfigPath $config -Name support | Select-Object -First 1).Subject | Should -Be 'two'
        (Receive-OutlookMail -ConfigPath $config -Name support).Subject | Should -Be 'three'
    }

    It 'Ctrl+C while a later command processes a message: the messages it finished are read, that one and the rest stay unread' {
        'one', 'two', 'three' | ForEach-Object { Send-LabMail -From customer@example.com -To $mailbox -Subject $_ }
        Wait-LabMail $config support 3

        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($Module, $Config)
            Import-Module $Module
            Receive-OutlookMail -ConfigPath $Config -Name support | ForEach-Object { $_.Subject; if ($_.Subject -eq 'two') { Start-Sleep -Seconds 60 } }
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        $deadline = (Get-Date).AddSeconds(30)
        while ($output.Count -lt 2 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $output.Count | Should -Be 2 -Because "'two' is being processed"
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $async.IsCompleted | Should -BeTrue
        $ps.Dispose()

        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be @('two', 'three')
    }

    It 'reports a folder that does not exist and a server without a connected account, with hints' {
        Receive-OutlookMail -ConfigPath $config -Name support -Folder Invoices -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FolderNotFound,*'
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty

        New-OutlookMailServer -ConfigPath $config -Name unconnected -Username nobody@example.com -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT | Out-Null
        Receive-OutlookMail -ConfigPath $config -Name unconnected -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err2[0].ErrorDetails.RecommendedAction | Should -Match 'Connect-OutlookAccount'
    }
}

# Issue 16: mail that keeps its promises under messy and hostile input.
Describe 'Hostile and messy mail never blocks or loses a receive' {
    BeforeAll {
        $config = Join-Path $TestDrive "hostile-$([guid]::NewGuid()).yaml"
        $env:BROWSER = New-LabBrowser 'bob@example.com'
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        New-OutlookMailServer -ConfigPath $config -Name support -Username bob@example.com -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
            Connect-OutlookAccount | Out-Null
    }
    AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }
    BeforeEach { Clear-LabMailbox }

    It 'a stranger''s 4,200-character Subject does not stop the messages before and after it' {
        $long = (1..800 | ForEach-Object { 'w{0:D4}' -f $_ }) -join ' '
        # Through Postfix, as a stranger sends it: Dovecot then serves the Subject as a 5 KB literal in ENVELOPE.
        $mailbox = 'bob@example.com'
        Send-LabMail -From stranger@example.com -To $mailbox -Subject 'before'
        Send-LabMail -From stranger@example.com -To $mailbox -Subject $long.Substring(0, 4200).TrimEnd()
        Send-LabMail -From stranger@example.com -To $mailbox -Subject 'after'

        $received = Receive-OutlookMail -ConfigPath $config -Name support -ErrorAction Stop

        $received.Count | Should -Be 3
        $received[0].Subject | Should -Be 'before'
        $received[1].Subject.Length | Should -BeGreaterThan 4000
        $received[2].Subject | Should -Be 'after'
        Receive-OutlookMail -ConfigPath $config -Name support -Peek | Should -BeNullOrEmpty
    }

    It 'a message that cannot be parsed stops a runbook under -ErrorAction Stop once, is saved and set aside, and the next run goes on' {
        $archive = Join-Path $TestDrive "archive-$([guid]::NewGuid())"
        Add-LabMessage (New-RawMessage 'one')
        Add-LabMessage ''
        Add-LabMessage (New-RawMessage 'two')

        $first = [Collections.Generic.List[object]]::new()
        { Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive -FailedFolder Failed -ErrorAction Stop | ForEach-Object { $first.Add($_) } } |
            Should -Throw -ErrorId 'MessageUnreadable,OutlookOAuth.Commands.ReceiveOutlookMailCommand'
        $first.Subject | Should -Be 'one'
        (Get-ChildItem $archive -Filter *.eml | Where-Object Length -eq 0).Count | Should -Be 1 -Because 'its raw bytes are saved'

        (Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive -FailedFolder Failed -ErrorAction Stop).Subject | Should -Be 'two'
        Receive-OutlookMail -ConfigPath $config -Name support -Folder Failed -Peek -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.Count | Should -Be 1 -Because 'the unparsable message waits in the Failed folder'
    }

    It 'two different messages with one Message-Id and Date get two files, owner-only, and a hostile Message-Id never makes a path' {
        $archive = Join-Path $TestDrive "archive-$([guid]::NewGuid())" 'inbox'
        $date = 'Mon, 30 Nov 2026 08:00:00 +0000'
        Add-LabMessage (New-RawMessage 'first' -MessageId '<../../../../etc/passwd>' -Date $date)
        Add-LabMessage (New-RawMessage 'second' -MessageId '<../../../../etc/passwd>' -Date $date)

        $received = Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive

        $received.Count | Should -Be 2
        $received[0].Path | Should -Not -Be $received[1].Path
        $files = Get-ChildItem $archive
        $files.Count | Should -Be 2
        $files | ForEach-Object { $_.DirectoryName | Should -Be (Get-Item $archive).FullName; $_.UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        (Get-Item $archive).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        (Get-Item (Split-Path $archive)).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        ($received | ForEach-Object { (Get-Content -Raw $_.Path) -match "Subject: $($_.Subject)" }) | Should -Be @($true, $true)

        (Receive-OutlookMail -ConfigPath $config -Name support -Destination $archive -All).Path | Should -Be $received.Path
        (Get-ChildItem $archive).Count | Should -Be 2
    }

    It 'two receives at once on one mailbox hand on each message once' {
        1..20 | ForEach-Object { Add-LabMessage (New-RawMessage ('m{0:D2}' -f $_)) }
        $module = (Get-Module OutlookOAuth).Path
        $jobs = 1..2 | ForEach-Object {
            Start-ThreadJob -ArgumentList $module, $config, $env:OUTLOOKOAUTH_TOKEN_STORE {
                param($Module, $Config, $Store)
                Import-Module $Module
                $env:OUTLOOKOAUTH_TOKEN_STORE = $Store
                Receive-OutlookMail -ConfigPath $Config -Name support -WarningAction SilentlyContinue | ForEach-Object { Start-Sleep -Milliseconds 50; $_.Uid }
            }
        }
        $uids = $jobs | Receive-Job -Wait -AutoRemoveJob

        $uids.Count | Should -Be 20
        ($uids | Sort-Object -Unique).Count | Should -Be 20
    }
}

Describe 'A runbook that stops on any terminating error leaves that message and every later one unread' {
    BeforeAll {
        $config = Join-Path $TestDrive "stop-$([guid]::NewGuid()).yaml"
        $mailbox = New-SharedMailbox $config
        $missing = Join-Path $TestDrive 'no-such-invoice.pdf'
    }
    AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }
    BeforeEach {
        Clear-LabMailbox
        'one', 'two', 'three', 'four' | ForEach-Object { Add-LabMessage (New-RawMessage $_) }
    }

    It '<Case>' -TestCases @(
        @{ Case = 'Copy-Item of a missing file under -ErrorAction Stop'
           Runbook = { Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'three') { Copy-Item $missing $TestDrive -ErrorAction Stop } } } }
        @{ Case = 'a failing cmdlet under $ErrorActionPreference = Stop'
           Runbook = { $ErrorActionPreference = 'Stop'; Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'three') { Copy-Item $missing $TestDrive } } } }
        @{ Case = 'Write-Error -ErrorAction Stop'
           Runbook = { Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'three') { Write-Error 'cannot file three' -ErrorAction Stop } } } }
        @{ Case = 'a .NET method''s exception under $ErrorActionPreference = Stop'
           Runbook = { $ErrorActionPreference = 'Stop'; Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'three') { [IO.File]::ReadAllBytes($missing) } } } }
        @{ Case = 'throw'
           Runbook = { Receive-OutlookMail -ConfigPath $config -Name support | ForEach-Object { if ($_.Subject -eq 'three') { throw 'cannot file three' } } } }
    ) {
        param($Case, $Runbook)

        { & $Runbook } | Should -Throw

        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be @('three', 'four')
        (Receive-OutlookMail -ConfigPath $config -Name support -Peek -All).Count | Should -Be 4 -Because 'one and two were filed and marked read'
    }
}
