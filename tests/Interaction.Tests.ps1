#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories: what the module offers at the keyboard (Tab completion) and what it does when nobody is at the
# keyboard (no browser wait, a device-code message a log reader understands). Lab authority; real pwsh. Build first.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $script:Module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
    function Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

Describe 'Tab completes server names and system parameter names' {
    BeforeAll {
        $script:Config = Join-Path $TestDrive 'completion.yaml'
        New-OutlookMailServer -ConfigPath $Config -Username alice@example.com | Out-Null
        New-OutlookMailServer -ConfigPath $Config -Name 'team box' -Username bob@example.com | Out-Null
        New-OutlookMailServer -ConfigPath $Config -Username carol@example.com -Direction Incoming | Out-Null
        Set-MailSystemParameter -ConfigPath $Config -Name x_custom.flag -Value on
    }

    It '<Command> -Name completes the servers of the -ConfigPath file' -TestCases @(
        @{ Command = 'Get-OutlookMailServer' }, @{ Command = 'Set-OutlookMailServer' }, @{ Command = 'Remove-OutlookMailServer' },
        @{ Command = 'Connect-OutlookAccount' }, @{ Command = 'Disconnect-OutlookAccount' }, @{ Command = 'Test-OutlookConnection' }
    ) {
        $matches = Complete "$Command -ConfigPath '$Config' -Name "
        $matches.CompletionText | Should -Be @('alice@example.com', "'team box'", 'carol@example.com')
        $matches[0].ToolTip | Should -Match 'Outgoing smtp.office365.com:587'
    }

    It 'completes by prefix and by the -Direction typed, never file names' {
        (Complete "Get-OutlookMailServer -ConfigPath '$Config' -Name t").CompletionText | Should -Be "'team box'"
        (Complete "Set-OutlookMailServer -ConfigPath '$Config' -Direction Incoming -Name ").CompletionText | Should -Be 'carol@example.com'
        Complete "Get-OutlookMailServer -ConfigPath '$Config' -Name zz" | Should -BeNullOrEmpty
    }

    It 'uses the default file ($env:OUTLOOKOAUTH_CONFIG) and a -ConfigPath relative to the current location' {
        $env:OUTLOOKOAUTH_CONFIG = $Config
        try { (Complete 'Get-OutlookMailServer -Name a').CompletionText | Should -Be 'alice@example.com' }
        finally { Remove-Item Env:OUTLOOKOAUTH_CONFIG }
        Push-Location $TestDrive
        try { (Complete 'Connect-OutlookAccount -ConfigPath completion.yaml -Name c').CompletionText | Should -Be 'carol@example.com' }
        finally { Pop-Location }
    }

    It 'Get-/Set-MailSystemParameter -Name completes the known parameters, then the keys of the file' {
        (Complete 'Set-MailSystemParameter -Name mail.c').CompletionText | Should -Be @('mail.catchall.domain', 'mail.catchall.alias')
        $all = (Complete "Get-MailSystemParameter -ConfigPath '$Config' -Name ").CompletionText
        $all[0..5] | Should -Be @('mail.catchall.domain', 'mail.default.from', 'mail.bounce.alias', 'mail.catchall.alias', 'web.base.url', 'microsoft_outlook.endpoint')
        $all | Should -Contain 'x_custom.flag'
    }
}

Describe 'A sign-in where nobody can open a browser' {
    It 'fails at once in pwsh -NonInteractive without a browser, recommending -DeviceCode, and stores nothing' {
        $config = Join-Path $TestDrive "nobrowser-$([guid]::NewGuid()).yaml"
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret -WarningAction SilentlyContinue
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        $script = @"
Import-Module '$Module'
`$env:BROWSER = `$null; `$env:DISPLAY = `$null; `$env:WAYLAND_DISPLAY = `$null; `$env:PATH = '/nonexistent'
try { Connect-OutlookAccount -ConfigPath '$config' -Name alice@example.com -ErrorAction Stop }
catch { 'ID=' + `$_.FullyQualifiedErrorId; 'CAT=' + `$_.CategoryInfo.Category; 'ACTION=' + `$_.ErrorDetails.RecommendedAction; 'TARGET=' + `$_.TargetObject }
"@
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = '' | & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60   # not the 5-minute wait for a redirect that cannot come
        $out | Should -Match 'ID=NoBrowser,'
        $out | Should -Match 'CAT=AuthenticationError'
        $out | Should -Match 'ACTION=.*-DeviceCode'
        $out | Should -Match "TARGET=Outgoing server 'alice@example.com'"
        (Get-OutlookMailServer -ConfigPath $config).TokenStatus | Should -Be 'Missing'
    }
}

Describe 'The device-code message' {
    It 'names the URL and the code once each and the expiry with its time zone' {
        $config = Join-Path $TestDrive "device-$([guid]::NewGuid()).yaml"
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -WarningAction SilentlyContinue
        New-OutlookMailServer -ConfigPath $config -Username bob@example.com -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        $job = Start-ThreadJob {
            Import-Module $using:Module
            Connect-OutlookAccount -ConfigPath $using:config -Name bob@example.com -DeviceCode -TimeoutSeconds 60
        }
        $info = $null
        for ($i = 0; $i -lt 200 -and -not $info; $i++) {
            Start-Sleep -Milliseconds 100
            $info = $job.Information | Where-Object { $_.Tags -contains 'DeviceCode' } | Select-Object -First 1
        }
        $text = $job.Warning[0].Message
        $code = $info.MessageData.UserCode
        $url = $info.MessageData.Url
        $code | Should -Not -BeNullOrEmpty
        ([regex]::Matches($text, [regex]::Escape($code))).Count | Should -Be 1
        ([regex]::Matches($text, [regex]::Escape($url))).Count | Should -Be 1
        $text | Should -Match 'expires at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \(UTC\)'
        $info.MessageData.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        # finish the sign-in so the job ends
        curl -s -o /dev/null --cacert $env:OUTLOOKOAUTH_CA_FILE --data-urlencode "user_code=$code" --data-urlencode 'username=bob@example.com' --data-urlencode "password=$env:OUTLOOKOAUTH_LAB_PASSWORD" $url
        ($job | Wait-Job -Timeout 60 | Receive-Job 3>$null).TokenStatus | Should -Be 'Valid'
    }
}
