#Requires -Version 7.4
# Runbooks (issue 17): jobs shaped like Azure Automation's, against the lab's real Dovecot and Postfix, which check
# app-only tokens the way Exchange Online does (roles + the grants the lab authority keeps, tests/lab/README.md).
# A job is a separate pwsh: a fresh HOME (no token store, no configuration), standard input closed, -NonInteractive,
# the module imported from a read-only copy of out/OutlookOAuth, the configuration made at job start from a variable
# ($env:RUNBOOK_SETTINGS, as an Automation variable would give it), credentials app-only (client secret from an
# environment variable) or the machine's managed identity (the lab authority's App Service or IMDS endpoint).
# No test ever lets MSAL choose 169.254.169.254: every job gets AZURE_POD_IDENTITY_AUTHORITY_HOST on loopback.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
    $script:Run = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $script:Base = $env:OUTLOOKOAUTH_LAB_AUTHORITY -replace '/[^/]+/$', ''
    $script:Curl = @('-s', '--cacert', $env:OUTLOOKOAUTH_CA_FILE)

    # The Exchange Online admin's once-only commands, as the lab keeps them (POST/DELETE /lab/exchange/grants).
    function Grant-LabMailbox([string] $AppId, [string] $Mailbox, [string] $Access) {
        $r = & curl @Curl -X POST --data-urlencode "app_id=$AppId" --data-urlencode "mailbox=$Mailbox" --data-urlencode "access=$Access" "$Base/lab/exchange/grants" | ConvertFrom-Json
        if (-not $r.granted) { throw "grant failed: $r" }
    }
    function Revoke-LabMailbox([string] $AppId, [string] $Mailbox) {
        & curl @Curl -X DELETE "$Base/lab/exchange/grants?app_id=$AppId&mailbox=$([uri]::EscapeDataString($Mailbox))" | ConvertFrom-Json
    }
    function Set-LabIdentityRoles([string] $ClientId, [string] $Roles) {
        & curl @Curl -X POST --data-urlencode "client_id=$ClientId" --data-urlencode "roles=$Roles" "$Base/lab/managed-identity/roles" | Out-Null
    }
    # Messages delivered to a lab mailbox (its Maildir, read as root).
    function Get-LabMaildir([string] $Mailbox) {
        $local, $domain = $Mailbox.Split('@')
        $dir = Join-Path $env:OUTLOOKOAUTH_LAB_DIR 'mail' $domain $local 'Maildir'
        @('new', 'cur') | ForEach-Object { Get-ChildItem (Join-Path $dir $_) -File -ErrorAction SilentlyContinue }
    }

    # The module as Automation has it: a copy nobody may write to.
    $script:ModuleCopy = Join-Path $TestDrive 'modules' 'OutlookOAuth'
    New-Item -ItemType Directory (Split-Path $ModuleCopy) | Out-Null
    Copy-Item -Recurse (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth') $ModuleCopy
    & chmod -R a-w $ModuleCopy

    # The runbook. Settings come as JSON in $env:RUNBOOK_SETTINGS; the configuration file is $env:OUTLOOKOAUTH_CONFIG.
    $script:Runbook = Join-Path $TestDrive 'Send-Report.ps1'
    @'
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $env:RUNBOOK_MODULES 'OutlookOAuth' 'OutlookOAuth.psd1')
$s = $env:RUNBOOK_SETTINGS | ConvertFrom-Json
$outcome = [ordered]@{ Job = $s.Job; Sent = @(); Received = @(); ErrorId = $null; Hint = $null; Stage = 'configure'; ConnectSeconds = $null }
try {
    # Configuration at job start, safe to re-run (a job restarted by Automation, or eight at once on one file).
    if ($s.ManagedIdentity) { Set-OutlookApplication -ManagedIdentity }
    else { Set-OutlookApplication -ClientId $s.ClientId -Authority $s.Authority -ClientSecretFromEnvironment RUNBOOK_CLIENT_SECRET }
    foreach ($server in @(
            @{ Direction = 'Outgoing'; Name = 'reports'; Username = $s.From; Port = $s.SmtpPort },
            @{ Direction = 'Incoming'; Name = 'inbox'; Username = $s.Inbox; Port = $s.ImapPort })) {
        if (-not (Get-OutlookMailServer -Name $server.Name -Direction $server.Direction -ErrorAction SilentlyContinue)) {
            try { New-OutlookMailServer @server -HostName $s.HostName | Out-Null }
            catch { if ($_.FullyQualifiedErrorId -notlike 'ServerAlreadyExists*') { throw } }   # another job made it first
        }
    }
    $outcome.Stage = 'connect'
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try { Get-OutlookMailServer | Connect-OutlookAccount -AppOnly | Out-Null }
    finally { $outcome.ConnectSeconds = $watch.Elapsed.TotalSeconds }

    $report = Join-Path ([IO.Path]::GetTempPath()) "report-$($s.Job).csv"
    "job,rows`n$($s.Job),$($s.Rows)" | Set-Content $report
    foreach ($n in 1..$s.Messages) {
        $outcome.Stage = "send $n"
        if ($s.WaitFile -and $n -eq 2) {
            New-Item -ItemType File $s.ReadyFile | Out-Null                      # first report sent: the admin may revoke now
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path $s.WaitFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        }
        $sent = Send-OutlookMail -From $s.From -To $s.Inbox -Subject "$($s.Subject) $n" -Body "Report of job $($s.Job)" -Attachment $report
        $outcome.Sent += $sent.MessageId
    }
    $outcome.Stage = 'receive'
    $deadline = [DateTime]::UtcNow.AddSeconds(90)
    do {
        # -Peek: eight jobs read one shared mailbox and none takes another's message away.
        $outcome.Received = @(Receive-OutlookMail -Name inbox -Peek -All | Where-Object Subject -like "$($s.Subject) *" |
            ForEach-Object { [ordered]@{ Subject = $_.Subject; Attachments = $_.Attachments } })
        if ($outcome.Received.Count -ge $s.Messages) { break }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    $outcome.Stage = 'done'
}
catch {
    # A catchable error with a stable id and the fix, which the job reports and stops on.
    $outcome.ErrorId = $_.FullyQualifiedErrorId
    $outcome.Hint = $_.ErrorDetails.RecommendedAction
    $outcome | ConvertTo-Json -Depth 4 -Compress
    exit 3
}
$outcome | ConvertTo-Json -Depth 4 -Compress
'@ | Set-Content $Runbook

    # Starts a job process: fresh HOME, stdin closed, -NonInteractive, only the environment a job has.
    function Start-RunbookJob([hashtable] $Settings, [hashtable] $Environment = @{}, [string] $Config) {
        $home_ = Join-Path $TestDrive "home-$($Settings.Job)-$([guid]::NewGuid().ToString('n').Substring(0, 6))"
        New-Item -ItemType Directory $home_ | Out-Null
        $exe = [Environment]::ProcessPath
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $Runbook) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $psi.Environment.Clear()
        $keep = 'PATH', 'DOTNET_ROOT', 'NUGET_PACKAGES', 'OUTLOOKOAUTH_CA_FILE', 'LANG', 'TMPDIR'
        foreach ($k in $keep) { if ([Environment]::GetEnvironmentVariable($k)) { $psi.Environment[$k] = [Environment]::GetEnvironmentVariable($k) } }
        $psi.Environment['HOME'] = $home_
        $psi.Environment['DOTNET_CLI_HOME'] = $home_
        $psi.Environment['OUTLOOKOAUTH_CONFIG'] = $Config
        $psi.Environment['OUTLOOKOAUTH_TOKEN_STORE'] = Join-Path $home_ 'tokens'      # the sandbox's own, gone after the job
        $psi.Environment['RUNBOOK_MODULES'] = Split-Path $ModuleCopy
        $psi.Environment['RUNBOOK_SETTINGS'] = $Settings | ConvertTo-Json -Compress
        # Never the real IMDS: without App Service variables MSAL asks this loopback host.
        $psi.Environment['AZURE_POD_IDENTITY_AUTHORITY_HOST'] = 'http://127.0.0.1:9'
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $p = [Diagnostics.Process]::Start($psi)
        $p.StandardInput.Close()                                                      # standard input closed
        [pscustomobject]@{ Process = $p; Home = $home_; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
    }
    function Wait-RunbookJob($Job, [int] $Seconds = 300) {
        if (-not $Job.Process.WaitForExit($Seconds * 1000)) {
            $Job.Process.Kill($true); $Job.Process.WaitForExit()
            throw "job did not end within $Seconds s: $($Job.Out.GetAwaiter().GetResult()) $($Job.Err.GetAwaiter().GetResult())"
        }
        $out = $Job.Out.GetAwaiter().GetResult(); $err = $Job.Err.GetAwaiter().GetResult()
        $json = ($out -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1)
        [pscustomobject]@{ ExitCode = $Job.Process.ExitCode; Home = $Job.Home; Outcome = if ($json) { $json | ConvertFrom-Json } else { $null }; Output = $out; Errors = $err }
    }
    function New-Settings([string] $Job, [string] $From, [string] $Inbox, [int] $Messages = 1, [switch] $ManagedIdentity) {
        @{
            Job = $Job; From = $From; Inbox = $Inbox; Messages = $Messages; Rows = 42; Subject = "report $Run $Job"
            HostName = $LabHost; SmtpPort = [int]$env:OUTLOOKOAUTH_LAB_SMTP_PORT; ImapPort = [int]$env:OUTLOOKOAUTH_LAB_IMAP_PORT
            ClientId = $env:OUTLOOKOAUTH_LAB_CLIENT_ID; Authority = $env:OUTLOOKOAUTH_LAB_AUTHORITY; ManagedIdentity = [bool]$ManagedIdentity
        }
    }
    $script:AppService = @{ IDENTITY_ENDPOINT = $env:OUTLOOKOAUTH_LAB_IDENTITY_ENDPOINT; IDENTITY_HEADER = $env:OUTLOOKOAUTH_LAB_IDENTITY_HEADER }
    $script:Imds = @{ AZURE_POD_IDENTITY_AUTHORITY_HOST = $env:OUTLOOKOAUTH_LAB_IMDS_HOST }
    $script:SecretEnv = @{ RUNBOOK_CLIENT_SECRET = $env:OUTLOOKOAUTH_LAB_CLIENT_SECRET }
    function New-JobConfig { Join-Path (New-Item -ItemType Directory (Join-Path $TestDrive "shared-$([guid]::NewGuid().ToString('n').Substring(0, 6))")) 'config.yaml' }
}

Describe 'An Azure Automation-shaped job' {
    It 'sends a report with an attachment as a shared mailbox and receives it from another with an app-only secret' {
        $from = "reports-$Run-s@example.com"; $inbox = "inbox-$Run-s@example.com"
        Grant-LabMailbox $env:OUTLOOKOAUTH_LAB_CLIENT_ID $from SendAsApp
        Grant-LabMailbox $env:OUTLOOKOAUTH_LAB_CLIENT_ID $inbox FullAccess
        $r = Wait-RunbookJob (Start-RunbookJob (New-Settings secret $from $inbox -Messages 2) $SecretEnv (New-JobConfig))
        $r.ExitCode | Should -Be 0 -Because "$($r.Output) $($r.Errors)"
        $r.Outcome.Sent.Count | Should -Be 2
        $r.Outcome.Received.Count | Should -Be 2
        $r.Outcome.Received[0].Attachments | Should -Be 'report-secret.csv'
        @(Get-LabMaildir $inbox).Count | Should -Be 2
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'does the same with the machine''s managed identity, <Form> form' -ForEach @(
        @{ Form = 'App Service (Automation cloud job)'; Env = 'AppService'; Identity = $env:OUTLOOKOAUTH_LAB_MI_SYSTEM_CLIENT_ID }
        @{ Form = 'IMDS (VM, hybrid worker)'; Env = 'Imds'; Identity = $env:OUTLOOKOAUTH_LAB_MI_SYSTEM_CLIENT_ID }
    ) {
        $tag = "mi$Env".ToLowerInvariant()
        $from = "reports-$Run-$tag@example.com"; $inbox = "inbox-$Run-$tag@example.com"
        Grant-LabMailbox $Identity $from SendAsApp
        Grant-LabMailbox $Identity $inbox FullAccess
        $environment = if ($Env -eq 'AppService') { $AppService } else { $Imds }
        $config = New-JobConfig
        $r = Wait-RunbookJob (Start-RunbookJob (New-Settings $tag $from $inbox -ManagedIdentity) $environment $config)
        $r.ExitCode | Should -Be 0 -Because "$($r.Output) $($r.Errors)"
        $r.Outcome.Received.Subject | Should -Be "report $Run $tag 1"
        @(Get-LabMaildir $inbox).Count | Should -Be 1
        # No secret anywhere: the configuration names only the identity.
        Get-Content $config -Raw | Should -Match 'managedIdentity: system'
        Get-Content $config -Raw | Should -Not -Match 'clientSecret'
    }

    It 'stops at the first failure when the grant is revoked mid-run: the report already accepted is sent, the rest is a catchable error naming the Exchange fix' {
        $from = "reports-$Run-r@example.com"; $inbox = "inbox-$Run-r@example.com"
        $mi = $env:OUTLOOKOAUTH_LAB_MI_SYSTEM_CLIENT_ID
        Grant-LabMailbox $mi $from SendAsApp
        Grant-LabMailbox $mi $inbox FullAccess
        $settings = New-Settings revoked $from $inbox -Messages 3 -ManagedIdentity
        $settings.ReadyFile = Join-Path $TestDrive "ready-$Run"; $settings.WaitFile = Join-Path $TestDrive "revoked-$Run"
        $job = Start-RunbookJob $settings $AppService (New-JobConfig)
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Test-Path $settings.ReadyFile) -and -not $job.Process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Test-Path $settings.ReadyFile | Should -BeTrue
        (Revoke-LabMailbox $mi $from).revoked | Should -Be 1                      # Remove-ManagementRoleAssignment
        New-Item -ItemType File $settings.WaitFile | Out-Null
        $r = Wait-RunbookJob $job
        $r.ExitCode | Should -Be 3 -Because "$($r.Output) $($r.Errors)"
        $r.Outcome.Sent.Count | Should -Be 1
        $r.Outcome.Stage | Should -Be 'send 2'                                   # stopped there: report 3 never tried
        $r.Outcome.ErrorId | Should -BeLike 'SmtpAuthenticationUnsuccessful*'
        $r.Outcome.Hint | Should -Match 'New-ServicePrincipal -AppId'
        $r.Outcome.Hint | Should -Match 'ENTERPRISE APPLICATION'
        $r.Outcome.Hint | Should -Match "Add-MailboxPermission -Identity '$from'"
        $r.Outcome.Hint | Should -Match "New-ManagementRoleAssignment -App .* -Role 'Application SMTP.SendAsApp'"
        @(Get-LabMaildir $inbox).Count | Should -Be 1
    }

    It 'eight jobs in parallel, one shared configuration file: nothing lost, nothing collides' {
        $from = "reports-$Run-p@example.com"; $inbox = "inbox-$Run-p@example.com"
        $mi = $env:OUTLOOKOAUTH_LAB_MI_SYSTEM_CLIENT_ID
        Grant-LabMailbox $mi $from SendAsApp
        Grant-LabMailbox $mi $inbox FullAccess
        $config = New-JobConfig
        $jobs = foreach ($i in 1..8) { Start-RunbookJob (New-Settings "p$i" $from $inbox -Messages 2 -ManagedIdentity) $AppService $config }
        $results = foreach ($j in $jobs) { Wait-RunbookJob $j 600 }      # generous: a loaded CI machine, eight pwsh at once
        foreach ($r in $results) { $r.ExitCode | Should -Be 0 -Because "$($r.Output) $($r.Errors)" }
        # Every report delivered once: 16 distinct messages in the mailbox, each job found both of its own.
        $delivered = @(Get-LabMaildir $inbox)
        $delivered.Count | Should -Be 16
        $subjects = $delivered | ForEach-Object { (Select-String -Path $_.FullName -Pattern '^Subject: (.*)$' | Select-Object -First 1).Matches[0].Groups[1].Value }
        @($subjects | Sort-Object -Unique).Count | Should -Be 16
        foreach ($r in $results) { $r.Outcome.Received.Count | Should -Be 2 }
        @($results.Outcome.Sent | Sort-Object -Unique).Count | Should -Be 16
        # The one configuration file: two servers, written whole (parsed back by the module).
        @(Get-OutlookMailServer -ConfigPath $config).Count | Should -Be 2
        Get-ChildItem (Split-Path $config) -Filter '*.tmp*' | Should -BeNullOrEmpty
    }
}

Describe 'What Exchange refuses, the way the lab checks it' {
    BeforeAll {
        $script:Config = New-StoryConfig 'refusals'
        Set-OutlookApplication -ConfigPath $Config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
    }

    It 'a mailbox not granted to the app: SMTP and IMAP refuse, the hints name the fix and the role' {
        $box = "nobody-$Run@example.com"
        New-OutlookMailServer -ConfigPath $Config -Direction Outgoing -Name 'ungranted-out' -Username $box -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_SMTP_PORT | Out-Null
        New-OutlookMailServer -ConfigPath $Config -Direction Incoming -Name 'ungranted-in' -Username $box -HostName $LabHost -Port $env:OUTLOOKOAUTH_LAB_IMAP_PORT | Out-Null
        Get-OutlookMailServer -ConfigPath $Config -Name 'ungranted-*' | Connect-OutlookAccount -AppOnly | Out-Null
        $results = Get-OutlookMailServer -ConfigPath $Config -Name 'ungranted-*' | Test-OutlookConnection -ErrorAction SilentlyContinue
        $smtp = $results | Where-Object Direction -eq Outgoing
        $imap = $results | Where-Object Direction -eq Incoming
        ($smtp.Success, $smtp.ErrorId) | Should -Be @($false, 'SmtpAuthenticationUnsuccessful')
        $smtp.Hint | Should -Match 'SMTP.SendAsApp'
        ($imap.Success, $imap.ErrorId) | Should -Be @($false, 'ImapAuthenticationFailed')
        $imap.Hint | Should -Match "Add-MailboxPermission -Identity '$box'"
        $imap.Hint | Should -Match 'IMAP.AccessAsApp'
    }

    It 'a managed identity whose token lacks the role is refused, with the role named' {
        $ua = $env:OUTLOOKOAUTH_LAB_MI_CLIENT_ID
        $box = "roleless-$Run@example.com"
        Grant-LabMailbox $ua $box FullAccess
        Set-LabIdentityRoles $ua 'IMAP.AccessAsApp'                                # SMTP.SendAsApp taken away
        try {
            $config = New-JobConfig
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModuleCopy)/OutlookOAuth.psd1'
Set-OutlookApplication -ManagedIdentityClientId '$ua'
New-OutlookMailServer -Direction Outgoing -Name out -Username '$box' -HostName $LabHost -Port $($env:OUTLOOKOAUTH_LAB_SMTP_PORT) | Connect-OutlookAccount -AppOnly | Out-Null
`$r = Get-OutlookMailServer -Name out | Test-OutlookConnection -ErrorAction SilentlyContinue
"`$(`$r.ErrorId)|`$(`$r.Hint)"
"@
            $env:IDENTITY_ENDPOINT = $AppService.IDENTITY_ENDPOINT; $env:IDENTITY_HEADER = $AppService.IDENTITY_HEADER
            $env:OUTLOOKOAUTH_CONFIG = $config
            try { $out = Invoke-NewPwsh $script | Out-String }
            finally { Remove-Item env:IDENTITY_ENDPOINT, env:IDENTITY_HEADER, env:OUTLOOKOAUTH_CONFIG }
            $out | Should -Match '^SmtpAuthenticationUnsuccessful\|'
            $out | Should -Match 'must carry the SMTP.SendAsApp role'
        }
        finally { Set-LabIdentityRoles $ua 'SMTP.SendAsApp IMAP.AccessAsApp' }
    }

    It 'no managed identity here: one line with the fix, fast, and nothing changed' {
        $config = New-JobConfig
        $settings = New-Settings nomi "reports-$Run-n@example.com" "inbox-$Run-n@example.com" -ManagedIdentity
        $r = Wait-RunbookJob (Start-RunbookJob $settings @{} $config)               # no IDENTITY_*: IMDS on a closed loopback port
        $r.ExitCode | Should -Be 3 -Because "$($r.Output) $($r.Errors)"
        $r.Outcome.ConnectSeconds | Should -BeLessThan 20                          # not MSAL's 100 s timeout (about 1 s unloaded)
        $r.Outcome.Stage | Should -Be 'connect'
        $r.Outcome.ErrorId | Should -BeLike 'ManagedIdentityUnavailable*'
        $r.Outcome.Hint | Should -Match 'Azure Automation'
        # Nothing stored for either server: the job's token store holds no server partition.
        @(Get-ChildItem (Join-Path $r.Home 'tokens') -File -ErrorAction SilentlyContinue | Where-Object Name -notlike '*.lock').Count | Should -Be 0
    }

    It 'bad managed-identity input changes nothing: <Case>' -ForEach @(
        @{ Case = 'a client id that is not a GUID'; Arguments = @{ ManagedIdentityClientId = 'lab-runbook' }; ErrorId = 'InvalidManagedIdentityClientId' }
        @{ Case = 'a resource id of something else'; Arguments = @{ ManagedIdentityResourceId = '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z' }; ErrorId = 'InvalidManagedIdentityResourceId' }
        @{ Case = 'two identities at once'; Arguments = @{ ManagedIdentity = $true; ManagedIdentityClientId = $env:OUTLOOKOAUTH_LAB_MI_CLIENT_ID }; ErrorId = 'ConflictingManagedIdentity' }
    ) {
        $before = Get-FileHash $Config
        { Set-OutlookApplication -ConfigPath $Config @Arguments -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,OutlookOAuth.Commands.SetOutlookApplicationCommand"
        (Get-FileHash $Config).Hash | Should -Be $before.Hash
    }
}
