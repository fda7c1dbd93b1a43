#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories (issue 16, items 5, 8, 9): a stranger's attachment names never choose where a file is written; a bad
# -Destination is refused before anything is fetched; Tab completes Receive-OutlookMail -Name; -TimeoutSeconds N on an
# IMAP server that accepts and never answers takes N s. Mail is really delivered through the lab's Postfix (curl, with a
# lab token) and received from its Dovecot. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')

    # bob's mailbox as incoming server 'support' of a story configuration, signed in on the lab, its INBOX read empty.
    function New-Mailbox {
        $config = New-StoryConfig 'attachments'
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        $env:BROWSER = New-LabBrowser 'bob@example.com'
        New-OutlookMailServer -ConfigPath $config -Name support -Username bob@example.com -Direction Incoming -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT |
            Connect-OutlookAccount | Out-Null
        Receive-OutlookMail -ConfigPath $config -Name support -Limit 0 | Out-Null
        $config
    }

    # Every file under $Root, as paths relative to it.
    function Get-Tree([string] $Root) { Get-ChildItem -Recurse -Force -File $Root | ForEach-Object { [IO.Path]::GetRelativePath($Root, $_.FullName) } | Sort-Object }
}

Describe 'The documented receive loop files a stranger''s attachments only inside its folder' {
    BeforeAll { $config = New-Mailbox }
    AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'saves ../../pwned.txt, /tmp/x, C:\\x, CON and a 10,000-byte file as plain names in the folder, owner-only, whole' {
        $big = [byte[]](1..10000 | ForEach-Object { $_ % 251 })
        $absolute = "/tmp/outlookoauth-$([guid]::NewGuid().ToString('n')).txt"
        Send-LabMail 'Hostile names' ([ordered]@{
            '../../pwned.txt' = [Text.Encoding]::ASCII.GetBytes('pwned'); $absolute = [Text.Encoding]::ASCII.GetBytes('abs')
            'C:\\Windows\\win.ini' = [Text.Encoding]::ASCII.GetBytes('ini'); 'CON' = [Text.Encoding]::ASCII.GetBytes('con')
            'big.bin' = $big; 'dup.txt' = [Text.Encoding]::ASCII.GetBytes('one'); 'x/dup.txt' = [Text.Encoding]::ASCII.GetBytes('two')
        })
        $work = New-Item -ItemType Directory (Join-Path $TestDrive "cwd-$([guid]::NewGuid().ToString('n'))")
        $inner = New-Item -ItemType Directory (Join-Path $work 'a' 'b')
        Push-Location $inner
        try {
            # README.md's loop, as written there.
            Receive-OutlookMail -ConfigPath $config -Name support -Destination archive | ForEach-Object {
                $_ | Save-OutlookMailAttachment -Destination invoices -ErrorAction Stop | Out-Null
                $_
            } | Out-Null
        }
        finally { Pop-Location }

        $name = Split-Path -Leaf $absolute
        Get-Tree $work | Where-Object { $_ -notlike (Join-Path 'a' 'b' 'archive' '*') } | Should -Be (@(
            'pwned.txt', $name, 'win.ini', '_CON', 'big.bin', 'dup.txt', 'dup (2).txt') | ForEach-Object { Join-Path 'a' 'b' 'invoices' $_ } | Sort-Object)
        $absolute | Should -Not -Exist
        (Get-Item (Join-Path $inner 'invoices' 'big.bin')).Length | Should -Be 10000
        [IO.File]::ReadAllBytes((Join-Path $inner 'invoices' 'big.bin')) | Should -Be $big
        Get-Content (Join-Path $inner 'invoices' 'dup (2).txt') | Should -Be 'two'
        if (-not $IsWindows) {
            Get-ChildItem (Join-Path $inner 'invoices') | ForEach-Object { [int] $_.UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8)) -Because "$($_.Name) is $($_.UnixFileMode)" }
        }
        Receive-OutlookMail -ConfigPath $config -Name support -Peek | Should -BeNullOrEmpty   # processed, so read
    }

    It 'outputs FileInfo objects with the sender''s name, never overwrites without -Force, and writes nothing with -WhatIf' {
        Send-LabMail 'Report' @{ 'report.txt' = [Text.Encoding]::ASCII.GetBytes('v1') }
        $folder = Join-Path $TestDrive "files-$([guid]::NewGuid().ToString('n'))"
        $message = Receive-OutlookMail -ConfigPath $config -Name support -Peek

        $message | Save-OutlookMailAttachment $folder -WhatIf | Should -BeNullOrEmpty
        $folder | Should -Not -Exist

        $first = $message | Save-OutlookMailAttachment $folder
        $first | Should -BeOfType [IO.FileInfo]
        $first.Name | Should -Be 'report.txt'
        $first.AttachmentName | Should -Be 'report.txt'
        $first.MessageId | Should -Be $message.MessageId
        ($message | Save-OutlookMailAttachment $folder).Name | Should -Be 'report (2).txt'
        ($message.Message.Attachments | Save-OutlookMailAttachment $folder -Force).Name | Should -Be 'report.txt'
        (Get-ChildItem $folder).Name | Sort-Object | Should -Be @('report (2).txt', 'report.txt')

        'C:\secret.txt' | Save-OutlookMailAttachment $folder -ErrorVariable notMessage -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $notMessage[0].FullyQualifiedErrorId | Should -BeLike 'NotAMessage,*'
        $notMessage[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Receive-OutlookMail -ConfigPath $config -Name support | Out-Null
    }
}

Describe 'A -Destination that cannot take files is refused before anything is fetched' {
    BeforeAll { $config = New-Mailbox; Send-LabMail 'Keep me unread' }
    AfterAll { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'names a file given as -Destination (<Command>)' -ForEach @(
        @{ Command = 'Receive-OutlookMail' }, @{ Command = 'Save-OutlookMailAttachment' }) {
        $file = Join-Path $TestDrive "a-file-$([guid]::NewGuid().ToString('n')).txt"
        Set-Content $file 'x'
        $run = if ($Command -eq 'Receive-OutlookMail') { { Receive-OutlookMail -ConfigPath $config -Name support -Destination $file } }
               else { { Receive-OutlookMail -ConfigPath $config -Name support -Peek | Save-OutlookMailAttachment -Destination $file } }
        $failure = try { & $run | Out-Null; $null } catch { $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'DestinationIsFile,*'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be $file
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $failure.Exception | Should -Not -BeOfType [IO.IOException]
        Get-Content $file | Should -Be 'x'
        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be 'Keep me unread'
    }

    It 'names a /proc path given as -Destination, and leaves the message unread' -Skip:(-not $IsLinux) -ForEach @(
        @{ Path = '/proc' }, @{ Path = '/proc/outlookoauth-inbox' }) {
        $failure = try { Receive-OutlookMail -ConfigPath $config -Name support -Destination $Path | Out-Null; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DestinationNotWritable,*'
        $failure.TargetObject | Should -Be $Path
        $failure.Exception.Message | Should -BeLike "*$Path*"
        $failure.ErrorDetails.RecommendedAction | Should -Match '/proc'
        (Receive-OutlookMail -ConfigPath $config -Name support -Peek).Subject | Should -Be 'Keep me unread'
    }
}

Describe 'Tab completes Receive-OutlookMail -Name with the incoming servers' {
    It 'offers incoming server names only' {
        $config = Join-Path $TestDrive 'completion.yaml'
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        New-OutlookMailServer -ConfigPath $config -Name support-in -Username bob@example.com -Direction Incoming | Out-Null
        New-OutlookMailServer -ConfigPath $config -Name sales-in -Username carol@example.com -Direction Incoming | Out-Null
        $line = "Receive-OutlookMail -ConfigPath '$config' -Name "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('support-in', 'sales-in')
        $line = "Receive-OutlookMail -ConfigPath '$config' -Name sa"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('sales-in')
    }
}

Describe 'An IMAP server that accepts and never answers is given -TimeoutSeconds, not five times it' {
    BeforeAll {
        $config = New-Mailbox
        # Accepted by the system's TCP stack (the backlog), never read from, never answered.
        $silent = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $silent.Start()
        Set-OutlookMailServer -ConfigPath $config -Name support -HostName 127.0.0.1 -Port $silent.LocalEndpoint.Port | Out-Null
    }
    AfterAll { $silent.Stop(); Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It '<Command> -TimeoutSeconds 2 gives up within 2 s' -ForEach @(@{ Command = 'Receive-OutlookMail' }, @{ Command = 'Test-OutlookConnection' }) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & $Command -ConfigPath $config -Name support -TimeoutSeconds 2 -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null
        $watch.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3.5
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $failed[0].FullyQualifiedErrorId | Should -Match '^(Tls)?Timeout,' -Because "$($failed[0].FullyQualifiedErrorId): $($failed[0])"
        $failed[0].Exception.Message | Should -Match 'within 2 s'
    }
}
