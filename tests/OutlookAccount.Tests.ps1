#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories for the Entra application and account connection, against the lab's local OAuth authority
# (tests/lab/start.sh). No Microsoft tenant is needed. Build first: ./build.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Lab.ps1')
}

Describe 'An admin connects per-user servers from a CSV' {
    BeforeEach {
        $config = New-StoryConfig users
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret -SecretExpiresOn (Get-Date).AddDays(180)
    }
    AfterEach { Remove-Item Env:BROWSER -ErrorAction SilentlyContinue }

    It 'keeps the secret out of the configuration file and out of Get-OutlookApplication' {
        $app = Get-OutlookApplication -ConfigPath $config
        $app.ClientId | Should -Be $env:OUTLOOKOAUTH_LAB_CLIENT_ID
        $app.ClientSecretStored | Should -BeTrue
        $app.SecretExpiresInDays | Should -BeGreaterThan 170
        ($app | Out-String) | Should -Not -Match ([regex]::Escape($env:OUTLOOKOAUTH_LAB_CLIENT_SECRET))
        Get-Content $config -Raw | Should -Not -Match ([regex]::Escape($env:OUTLOOKOAUTH_LAB_CLIENT_SECRET))
    }

    It 'connects the servers of a pipeline in the browser and outputs them with a valid token' {
        $csv = Join-Path $TestDrive 'users.csv'
        "Email`nalice@example.com" | Set-Content $csv
        $env:BROWSER = New-LabBrowser 'alice@example.com'
        $servers = Import-Csv $csv | New-OutlookMailServer -ConfigPath $config |
            Connect-OutlookAccount -InformationVariable info -WarningVariable warn
        $servers | Should -HaveCount 1
        $servers[0].TokenStatus | Should -Be 'Valid'
        $servers[0].PSObject.TypeNames[0] | Should -Be 'OutlookOAuth.Configuration.OutgoingMailServer'
        (Get-OutlookMailServer -ConfigPath $config | Connect-OutlookAccount -Silent).TokenStatus | Should -Be 'Valid'
        Get-Content $config -Raw | Should -Not -Match 'eyJ'  # no JWT in the YAML
    }

    It 'refuses a sign-in by another account and stores nothing' {
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $env:BROWSER = New-LabBrowser 'bob@example.com'
        Connect-OutlookAccount -ConfigPath $config -Name alice@example.com -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AccountMismatch*'
        $err[0].Exception.Message | Should -Match 'bob@example.com'
        $err[0].Exception.Message | Should -Match 'alice@example.com'
        $err[0].TargetObject.Name | Should -Be 'alice@example.com'
        (Get-OutlookMailServer -ConfigPath $config).TokenStatus | Should -Not -Be 'Valid'
    }

    It 'proves the tokens with Get-OutlookMailServer -Refresh and reports an idle-expired account as Expired' {
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $env:BROWSER = New-LabBrowser 'alice@example.com'
        Connect-OutlookAccount -ConfigPath $config -Name alice@example.com | Out-Null
        (Get-OutlookMailServer -ConfigPath $config).TokenStatus | Should -Be 'Valid'
        (Get-OutlookMailServer -ConfigPath $config -Refresh).TokenStatus | Should -Be 'Valid'

        # The lab expires alice's refresh tokens as 90 idle days would (AADSTS700082).
        $base = ([uri]$env:OUTLOOKOAUTH_LAB_AUTHORITY).GetLeftPart('Authority')
        curl -s --cacert $env:OUTLOOKOAUTH_CA_FILE --data-urlencode 'user=alice@example.com' --data-urlencode 'mode=expire' "$base/_lab/revoke" | Out-Null
        $server = Get-OutlookMailServer -ConfigPath $config -Refresh -ErrorVariable err -ErrorAction SilentlyContinue
        $server.TokenStatus | Should -Be 'Expired'
        $err[0].Exception.AadstsCode | Should -Be '700082'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Connect-OutlookAccount'
        (Get-OutlookMailServer -ConfigPath $config).TokenStatus | Should -Be 'Expired'   # remembered without network
    }

    It 'disconnects with -WhatIf changing nothing, then for real' {
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $env:BROWSER = New-LabBrowser 'alice@example.com'
        Connect-OutlookAccount -ConfigPath $config -Name alice@example.com | Out-Null
        Disconnect-OutlookAccount -ConfigPath $config -Name alice@example.com -WhatIf
        (Connect-OutlookAccount -ConfigPath $config -Name alice@example.com -Silent).TokenStatus | Should -Be 'Valid'
        (Disconnect-OutlookAccount -ConfigPath $config -Name alice@example.com -Confirm:$false -PassThru).TokenStatus | Should -Be 'Missing'
    }
}

Describe 'An admin on an SSH session uses the device code' {
    It 'shows the code on the warning and information streams, not the host, and connects once approved' {
        $config = New-StoryConfig device
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY
        New-OutlookMailServer -ConfigPath $config -Username bob@example.com -Direction Incoming | Out-Null
        $module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
        $job = Start-ThreadJob {
            Import-Module $using:module
            Connect-OutlookAccount -ConfigPath $using:config -Name bob@example.com -DeviceCode
        }
        $code = $null
        for ($i = 0; $i -lt 100 -and -not $code; $i++) {
            Start-Sleep -Milliseconds 200
            $record = $job.Information | Where-Object { $_.Tags -contains 'DeviceCode' } | Select-Object -First 1
            if ($record) { $code = $record.MessageData.UserCode; $uri = $record.MessageData.Url }
        }
        $code | Should -Not -BeNullOrEmpty
        $job.Warning[0].Message | Should -Match $code
        # Bob approves on the lab's page; the page's certificate is issued by the lab CA, which curl is told to trust.
        curl -s -f --cacert $env:OUTLOOKOAUTH_CA_FILE -o /dev/null --data-urlencode "user_code=$code" --data-urlencode 'username=bob@example.com' --data-urlencode "password=$env:OUTLOOKOAUTH_LAB_PASSWORD" $uri
        $LASTEXITCODE | Should -Be 0
        $server = $job | Wait-Job -Timeout 60 | Receive-Job
        $server.TokenStatus | Should -Be 'Valid'
        $server.Direction | Should -Be 'Incoming'
    }
}

Describe 'An admin signs in elsewhere and pastes the address the sign-in ended on' {
    BeforeAll {
        # A host with a person at it: its one prompt waits until the story hands it the pasted address, and notes whether
        # it was asked on the pipeline thread (the only thread with the runspace as its default runspace).
        if (-not ('OutlookOAuthStory.PastingHost' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;
namespace OutlookOAuthStory {
public sealed class PastingUI : PSHostUserInterface {
    public readonly TaskCompletionSource<string> Pasted = new TaskCompletionSource<string>();
    public readonly List<string> Asked = new List<string>();
    public bool AskedOnPipelineThread;
    public override PSHostRawUserInterface RawUI => null;
    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) {
        AskedOnPipelineThread = Runspace.DefaultRunspace != null;
        Asked.Add(descriptions[0].Label);
        var answer = Pasted.Task.Wait(TimeSpan.FromSeconds(60)) ? Pasted.Task.Result : null;
        return new Dictionary<string, PSObject> { [descriptions[0].Name] = new PSObject(answer) };
    }
    public override int PromptForChoice(string c, string m, Collection<ChoiceDescription> choices, int d) => d;
    public override PSCredential PromptForCredential(string c, string m, string u, string t) => throw new NotImplementedException();
    public override PSCredential PromptForCredential(string c, string m, string u, string t, PSCredentialTypes a, PSCredentialUIOptions o) => throw new NotImplementedException();
    public override string ReadLine() => throw new NotImplementedException();
    public override System.Security.SecureString ReadLineAsSecureString() => throw new NotImplementedException();
    public override void Write(string value) { }
    public override void Write(ConsoleColor f, ConsoleColor b, string value) { }
    public override void WriteLine(string value) { }
    public override void WriteErrorLine(string value) { }
    public override void WriteDebugLine(string message) { }
    public override void WriteProgress(long sourceId, ProgressRecord record) { }
    public override void WriteVerboseLine(string message) { }
    public override void WriteWarningLine(string message) { }
}
public sealed class PastingHost : PSHost {
    readonly Guid _id = Guid.NewGuid();
    public readonly PastingUI Person = new PastingUI();
    public override string Name => "StoryHost";
    public override Version Version => new Version(1, 0);
    public override Guid InstanceId => _id;
    public override PSHostUserInterface UI => Person;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotImplementedException();
    public override void ExitNestedPrompt() => throw new NotImplementedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}
}
'@
        }
    }

    It 'asks for the redirected URL on the pipeline thread and connects with the pasted address' {
        $config = New-StoryConfig paste
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $storyHost = [OutlookOAuthStory.PastingHost]::new()
        $runspace = [runspacefactory]::CreateRunspace($storyHost)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        $null = $ps.AddScript({
            param($Module, $Config)
            Import-Module $Module
            Connect-OutlookAccount -ConfigPath $Config -Name alice@example.com -RedirectUri 'https://odoo.example.com/microsoft_outlook/confirm'
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
        $async = $ps.BeginInvoke()
        try {
            $deadline = (Get-Date).AddSeconds(30)
            while (-not ($record = $ps.Streams.Information | Where-Object { $_.Tags -contains 'OpenAndPaste' } | Select-Object -First 1) -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $record | Should -Not -BeNullOrEmpty
            $ps.Streams.Warning[0].Message | Should -Match 'paste the full address'
            # Alice signs in on the lab's form in "another browser"; the page it ends on is the address she pastes.
            $final = curl -s --cacert $env:OUTLOOKOAUTH_CA_FILE -o /dev/null -w '%{redirect_url}' --data-urlencode 'username=alice@example.com' `
                --data-urlencode "password=$env:OUTLOOKOAUTH_LAB_PASSWORD" $record.MessageData.Url
            $final | Should -BeLike 'https://odoo.example.com/microsoft_outlook/confirm?*code=*'
            $storyHost.Person.Pasted.SetResult($final)
            $server = $ps.EndInvoke($async)
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
        $storyHost.Person.Asked | Should -Be @('Redirected URL for alice@example.com')
        $storyHost.Person.AskedOnPipelineThread | Should -BeTrue
        $server.TokenStatus | Should -Be 'Valid'
        (Get-OutlookMailServer -ConfigPath $config -Name alice@example.com).TokenStatus | Should -Be 'Valid'
    }

    It 'fails with NoInteractiveHost, and stores nothing, where nobody can paste (a host without a person)' {
        $config = New-StoryConfig paste-nobody
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY -ClientSecret $Secret
        New-OutlookMailServer -ConfigPath $config -Username alice@example.com | Out-Null
        $ps = [powershell]::Create()   # the SDK's default host: no person
        $null = $ps.AddScript({
            param($Module, $Config)
            Import-Module $Module
            Connect-OutlookAccount -ConfigPath $Config -Name alice@example.com -RedirectUri 'https://odoo.example.com/microsoft_outlook/confirm'
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
        try { $ps.Invoke() | Should -BeNullOrEmpty; $errors = @($ps.Streams.Error) }
        finally { $ps.Dispose() }
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NoInteractiveHost,*'
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'DeviceCode'
        (Get-OutlookMailServer -ConfigPath $config -Name alice@example.com).TokenStatus | Should -Be 'Missing'
    }
}

Describe 'An admin changes their mind during a device-code sign-in' {
    It 'Ctrl+C cancels the waiting sign-in at once and stores nothing' {
        $config = New-StoryConfig device-stop
        Set-OutlookApplication -ConfigPath $config -ClientId $env:OUTLOOKOAUTH_LAB_CLIENT_ID -Authority $env:OUTLOOKOAUTH_LAB_AUTHORITY
        New-OutlookMailServer -ConfigPath $config -Username bob@example.com -Direction Incoming | Out-Null
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($Module, $Config)
            Import-Module $Module
            Connect-OutlookAccount -ConfigPath $Config -Name bob@example.com -DeviceCode
        }).AddArgument((Get-Module OutlookOAuth).Path).AddArgument($config)
        $async = $ps.BeginInvoke()
        $deadline = (Get-Date).AddSeconds(30)
        while (-not ($ps.Streams.Information | Where-Object { $_.Tags -contains 'DeviceCode' }) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $ps.Streams.Information.Tags | Should -Contain 'DeviceCode'
        $ps.Streams.Warning[0].Message | Should -Match 'code'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $async.IsCompleted | Should -BeTrue
        $ps.Dispose()
        (Get-OutlookMailServer -ConfigPath $config -Name bob@example.com).TokenStatus | Should -Be 'Missing'
    }
}

Describe 'A runbook connects app-only without any prompt' {
    It 'reads the secret from the environment in a non-interactive session and keeps it out of every output' {
        $config = New-StoryConfig runbook
        $module = Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1'
        $script = @"
Import-Module '$module'
Set-OutlookApplication -ConfigPath '$config' -ClientId '$env:OUTLOOKOAUTH_LAB_CLIENT_ID' -Authority '$env:OUTLOOKOAUTH_LAB_AUTHORITY' -ClientSecretFromEnvironment LAB_RUNBOOK_SECRET
New-OutlookMailServer -ConfigPath '$config' -Name notifications -Username alice@example.com | Connect-OutlookAccount -AppOnly -Verbose 4>&1 | Out-String
(Get-OutlookMailServer -ConfigPath '$config' | Connect-OutlookAccount -Silent).TokenStatus
"@
        $env:LAB_RUNBOOK_SECRET = $env:OUTLOOKOAUTH_LAB_CLIENT_SECRET
        try { $out = Invoke-NewPwsh $script | Out-String }
        finally { Remove-Item Env:LAB_RUNBOOK_SECRET }
        $out | Should -Match 'Valid'
        $out | Should -Not -Match ([regex]::Escape($env:OUTLOOKOAUTH_LAB_CLIENT_SECRET))
        Get-Content $config -Raw | Should -Match 'clientSecretEnvironmentVariable: LAB_RUNBOOK_SECRET'
        Get-Content $config -Raw | Should -Not -Match ([regex]::Escape($env:OUTLOOKOAUTH_LAB_CLIENT_SECRET))
    }
}
