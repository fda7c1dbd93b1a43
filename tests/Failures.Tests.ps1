#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories (issue 9): failures a runbook can catch — stable ErrorId, fitting category, the offending object as
# TargetObject, a RecommendedAction; I/O failures at once, naming the path and the cause; bad bytes refused.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
    function New-ConfigPath { Join-Path $TestDrive "$([guid]::NewGuid()).yaml" }
    # The error a command wrote, whether it stopped the command (a whole-file failure) or not.
    function Get-Failure([scriptblock] $Command) {
        try { & $Command -ErrorVariable +failed -ErrorAction SilentlyContinue | Out-Null; $failed | Select-Object -First 1 }
        catch { $_ }
    }
}

Describe 'A runbook stops on a failed connection test' {
    It 'writes an error besides the result object, so -ErrorAction Stop stops the script' {
        $config = New-ConfigPath
        $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive "tokens-$([guid]::NewGuid())"
        try {
            New-OutlookMailServer -ConfigPath $config -Username nobody@example.com -HostName 127.0.0.1 -Port 1 | Out-Null
            $result = Test-OutlookConnection -ConfigPath $config -Name nobody@example.com -TimeoutSeconds 5 -ErrorVariable failed -ErrorAction SilentlyContinue
            $result.Success | Should -BeFalse
            $failed | Should -HaveCount 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike "$($result.ErrorId),*"
            $failed[0].FullyQualifiedErrorId | Should -Not -BeLike 'System.*'
            $failed[0].TargetObject.Name | Should -Be 'nobody@example.com'
            $failed[0].ErrorDetails.RecommendedAction | Should -Be $result.Hint

            $reached = $false
            { Test-OutlookConnection -ConfigPath $config -Name nobody@example.com -TimeoutSeconds 5 -ErrorAction Stop | Out-Null; $reached = $true } |
                Should -Throw
            $reached | Should -BeFalse
            Test-OutlookConnection -ConfigPath $config -Name nobody@example.com -TimeoutSeconds 5 -Quiet | Should -BeFalse
        }
        finally { Remove-Item Env:OUTLOOKOAUTH_TOKEN_STORE }
    }
}

Describe 'A configuration file that is not there' {
    It 'is an error for Get-OutlookMailServer -ConfigPath, naming the path' {
        $missing = Join-Path $TestDrive 'missing.yaml'
        $failed = @(Get-Failure { Get-OutlookMailServer -ConfigPath $missing @args })
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationFileNotFound,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].TargetObject | Should -Be $missing
        $failed[0].Exception.Message | Should -Match 'does not exist'
    }

    It 'is "file not found" for Test-OutlookMailConfiguration, not a list of findings' {
        $missing = Join-Path $TestDrive 'missing.yaml'
        $failed = @(Get-Failure { Test-OutlookMailConfiguration -ConfigPath $missing @args })
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationFileNotFound,*'
        $failed[0].TargetObject | Should -Be $missing
    }
}

Describe 'A -ConfigPath that does not exist, on every command that takes one (issue 16)' {
    BeforeAll {
        # Each command that only reads or uses a file, with what it needs besides -ConfigPath: a path naming nothing is
        # ConfigurationFileNotFound naming that path, never "no server", "server not found" or no output at all.
        $reading = @{
            'Connect-OutlookAccount'        = @{ Name = 'x@example.com'; Silent = $true }
            'Disconnect-OutlookAccount'     = @{ Name = 'x@example.com'; Confirm = $false }
            'Get-MailSystemParameter'       = @{}
            'Get-OutlookApplication'        = @{}
            'Get-OutlookMailServer'         = @{}
            'Receive-OutlookMail'           = @{ Name = 'x@example.com' }
            'Remove-OutlookMailServer'      = @{ Name = 'x@example.com'; Confirm = $false }
            'Resolve-OutlookMailServer'     = @{ From = 'x@example.com' }
            'Send-OutlookMail'              = @{ From = 'x@example.com'; To = 'y@example.com'; Subject = 's'; Body = 'b' }
            'Set-OutlookMailServer'         = @{ Name = 'x@example.com'; Port = 25 }
            'Test-OutlookConnection'        = @{ Name = 'x@example.com'; TimeoutSeconds = 2 }
            'Test-OutlookMailConfiguration' = @{}
            'Test-OutlookTenant'            = @{}
            'Update-OutlookApplicationSecret' = @{ Confirm = $false }
            'Add-OutlookApplicationAssignment' = @{ User = 'x@example.com'; Confirm = $false }
        }
        # The commands that create the file they are given, as they always did.
        $creating = @{
            'New-OutlookMailServer'  = @{ Username = 'x@example.com' }
            'Set-MailSystemParameter' = @{ Name = 'mail.default.from'; Value = 'x@example.com' }
            'Set-OutlookApplication' = @{ ClientId = '11111111-2222-3333-4444-555555555555'; Tenant = 'contoso.onmicrosoft.com' }
            # Needs the lab tenant's sign-in: tests/Tenant.Tests.ps1 registers into a file that does not exist yet.
            'Register-OutlookApplication' = $null
        }
    }

    It 'covers every command of the module that has -ConfigPath' {
        $all = (Get-Command -Module OutlookOAuth | Where-Object { $_.Parameters -and $_.Parameters.ContainsKey('ConfigPath') }).Name
        $all | Should -Not -BeNullOrEmpty
        $all | Sort-Object | Should -Be (@($reading.Keys) + @($creating.Keys) | Sort-Object)
    }

    It 'stops <_> with ConfigurationFileNotFound naming the path, and creates nothing' -ForEach @(
        'Connect-OutlookAccount', 'Disconnect-OutlookAccount', 'Get-MailSystemParameter', 'Get-OutlookApplication',
        'Get-OutlookMailServer', 'Receive-OutlookMail', 'Remove-OutlookMailServer', 'Resolve-OutlookMailServer',
        'Send-OutlookMail', 'Set-OutlookMailServer', 'Test-OutlookConnection', 'Test-OutlookMailConfiguration',
        'Test-OutlookTenant', 'Update-OutlookApplicationSecret', 'Add-OutlookApplicationAssignment') {
        $cmdlet = $_   # not $command: Get-Failure's own parameter would shadow it
        $folder = Join-Path $TestDrive "missing-$([guid]::NewGuid().ToString('n'))"
        $missing = Join-Path $folder 'config.yaml'
        $arguments = $reading[$cmdlet]
        $failed = @(Get-Failure { & $cmdlet -ConfigPath $missing @arguments @args })
        $failed.Count | Should -Be 1 -Because "$cmdlet must fail"
        $failed[0].FullyQualifiedErrorId | Should -BeLike "ConfigurationFileNotFound,*"
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].TargetObject | Should -Be $missing
        $failed[0].Exception.Message | Should -BeLike "*$missing*"
        $failed[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $folder | Should -Not -Exist
    }

    It 'lets <_> create the file, as before' -ForEach @('New-OutlookMailServer', 'Set-MailSystemParameter', 'Set-OutlookApplication') {
        $cmdlet = $_   # not $command: Get-Failure's own parameter would shadow it
        $missing = Join-Path $TestDrive "new-$([guid]::NewGuid().ToString('n')).yaml"
        $arguments = $creating[$cmdlet]
        $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $TestDrive "tokens-$([guid]::NewGuid())"
        try { & $cmdlet -ConfigPath $missing @arguments -ErrorAction Stop | Out-Null }
        finally { Remove-Item Env:OUTLOOKOAUTH_TOKEN_STORE }
        $missing | Should -Exist
    }
}

Describe 'I/O failures name the path and the cause at once' {
    It 'fails under /proc in under a second, blaming no lock' -Skip:(-not $IsLinux) {
        $path = '/proc/outlookoauth-story.yaml'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $failed = @(Get-Failure { New-OutlookMailServer -ConfigPath $path -Username a@example.com @args })
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
        $failed[0].FullyQualifiedErrorId | Should -Match '^Configuration(WriteFailed|AccessDenied),'
        $failed[0].Exception.Message | Should -Match ([regex]::Escape('/proc/outlookoauth-story.yaml'))
        $failed[0].Exception.Message | Should -Not -Match 'locked'
        $failed[0].TargetObject | Should -BeLike '/proc/outlookoauth-story.yaml*'
    }

    It 'refuses a folder as -ConfigPath with a stable id, for reading and writing' {
        $folder = Join-Path $TestDrive "folder-$([guid]::NewGuid())"
        New-Item -ItemType Directory $folder | Out-Null
        $readFailed = @(Get-Failure { Get-OutlookMailServer -ConfigPath $folder @args })
        $writeFailed = @(Get-Failure { New-OutlookMailServer -ConfigPath $folder -Username a@example.com @args })
        foreach ($failure in $readFailed[0], $writeFailed[0]) {
            $failure.FullyQualifiedErrorId | Should -BeLike 'ConfigurationPathIsFolder,*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $folder
            $failure.ErrorDetails.RecommendedAction | Should -Match 'config.yaml'
        }
    }

    It 'refuses an unreadable file with ConfigurationAccessDenied, not System.UnauthorizedAccessException' -Skip:$IsWindows {
        $config = New-ConfigPath
        New-OutlookMailServer -ConfigPath $config -Username a@example.com | Out-Null
        chmod 200 $config
        # The reading pwsh runs without the capabilities that let root read any file (CI runs as root), so the mode applies.
        $module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
        $probe = "Import-Module '$module'; try { Get-OutlookMailServer -ConfigPath '$config' -ErrorAction Stop | Out-Null; 'no error' } " +
                 "catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category.ToString(); `$_.TargetObject }"
        $pwsh = @('dotnet', (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $probe)
        $lines = if ((id -u) -eq '0') { & setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search @pwsh }
                 else { & $pwsh[0] $pwsh[1..($pwsh.Count - 1)] }
        $lines[0] | Should -BeLike 'ConfigurationAccessDenied,*'
        $lines[1] | Should -Be 'PermissionDenied'
        $lines[2] | Should -Be $config
    }

    It 'refuses to change a read-only (0444) file and leaves it as it was' -Skip:$IsWindows {
        $config = New-ConfigPath
        New-OutlookMailServer -ConfigPath $config -Username a@example.com | Out-Null
        chmod 444 $config
        $before = Get-FileHash $config
        $failed = @(Get-Failure { New-OutlookMailServer -ConfigPath $config -Username b@example.com @args })
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationReadOnly,*'
        $failed[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failed[0].TargetObject | Should -Be $config
        (Get-FileHash $config).Hash | Should -Be $before.Hash
        [int](Get-Item $config).UnixFileMode | Should -Be 292   # 0444, as the admin set it
    }

    It 'waits for a real lock, saying who holds it, and then saves' {
        $config = New-ConfigPath
        New-OutlookMailServer -ConfigPath $config -Username a@example.com | Out-Null
        $ready = Join-Path $TestDrive "ready-$([guid]::NewGuid())"
        # Another process holds the lock for 2 s and says who it is, as the module's own writer does.
        $holder = Join-Path $TestDrive "holder-$([guid]::NewGuid()).ps1"
        @'
param($Config, $Ready)
$lock = [IO.File]::Open("$Config.lock", 'OpenOrCreate', 'ReadWrite', 'None')
Set-Content -Path "$Config.lock.owner" -Value "$PID pwsh $([Environment]::MachineName)"
New-Item $Ready | Out-Null
Start-Sleep -Seconds 2
Remove-Item "$Config.lock.owner"
$lock.Dispose()
'@ | Set-Content $holder
        $process = Start-Process -FilePath dotnet -ArgumentList (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $holder, $config, $ready -PassThru
        try {
            while (-not (Test-Path $ready)) { Start-Sleep -Milliseconds 50 }
            $out = New-OutlookMailServer -ConfigPath $config -Username b@example.com -WarningVariable warned -WarningAction SilentlyContinue
            $out.Name | Should -Be 'b@example.com'
            $warned[0].Message | Should -Match "held by process $($process.Id) \(pwsh\)"
            (Get-OutlookMailServer -ConfigPath $config).Name | Should -Be @('a@example.com', 'b@example.com')
        }
        finally { $process.WaitForExit(10000) | Out-Null }
    }
}

Describe 'Bytes that are not UTF-8' {
    It 'are refused with file:line:column, and the file is never rewritten' {
        $config = New-ConfigPath
        $bytes = [Text.Encoding]::UTF8.GetBytes("version: 1`nparameters:`n  mail.default.from: caf") + [byte]0xE9 + [byte]10
        [IO.File]::WriteAllBytes($config, $bytes)
        $failed = @(Get-Failure { New-OutlookMailServer -ConfigPath $config -Username a@example.com @args })
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ConfigurationFileInvalid,*'
        $failed[0].Exception.Message | Should -BeLike "$($config):3:25: byte 0xE9 is not UTF-8*"
        [IO.File]::ReadAllBytes($config) | Should -Be $bytes
    }
}
