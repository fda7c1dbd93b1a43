#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Admin stories (issue 9): a CSV row is read whole, nothing is defaulted silently, only saved servers go downstream.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
    function New-Csv([string] $Text) {
        $path = Join-Path $TestDrive "$([guid]::NewGuid()).csv"
        Set-Content -Path $path -Value $Text
        $path
    }
    function New-ConfigPath { Join-Path $TestDrive "$([guid]::NewGuid()).yaml" }
}

Describe 'A CSV value that does not convert is refused, never defaulted' {
    It 'names the row, the column and the value, with the row as TargetObject, and saves only the good rows' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Direction,Port,Encryption,Authentication
good1@example.com,Outgoing,587,StartTls,Outlook
side@example.com,Sideways,,,
port@example.com,Outgoing,abc,,
tls@example.com,Outgoing,,tls,
oauth@example.com,Outgoing,,,oauth
good2@example.com,Incoming,,,
'@
        $out = Import-Csv $csv | New-OutlookMailServer -ConfigPath $config -ErrorVariable bad -ErrorAction SilentlyContinue

        $bad | Should -HaveCount 4
        $bad.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'InvalidColumnValue,*' }
        $bad[0].Exception.Message | Should -BeLike "Row 2, column 'Direction': 'Sideways' is not valid*Outgoing, Incoming*"
        $bad[1].Exception.Message | Should -BeLike "Row 3, column 'Port': 'abc' is not valid*"
        $bad[2].Exception.Message | Should -BeLike "Row 4, column 'Encryption': 'tls' is not valid*StartTls*"
        $bad[3].Exception.Message | Should -BeLike "Row 5, column 'Authentication': 'oauth' is not valid*"
        $bad.TargetObject.Email | Should -Be @('side@example.com', 'port@example.com', 'tls@example.com', 'oauth@example.com')
        $bad.CategoryInfo.Category | Select-Object -Unique | Should -Be 'InvalidData'
        $bad[0].ErrorDetails.RecommendedAction | Should -Match 'leave it blank'

        $out.Name | Should -Be @('good1@example.com', 'good2@example.com')
        (Get-OutlookMailServer -ConfigPath $config).Name | Should -Be @('good1@example.com', 'good2@example.com')
    }

    It 'refuses the same values when a CSV goes through Set-OutlookMailServer' {
        $config = New-ConfigPath
        New-OutlookMailServer -ConfigPath $config -Username a@example.com | Out-Null
        $before = Get-FileHash $config
        [pscustomobject]@{ Name = 'a@example.com'; Port = 'abc' } |
            Set-OutlookMailServer -ConfigPath $config -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidColumnValue,*'
        (Get-FileHash $config).Hash | Should -Be $before.Hash
    }
}

Describe 'The same values given as parameters' {
    It 'are refused too, and nothing is saved' {
        $config = New-ConfigPath
        { New-OutlookMailServer -ConfigPath $config -Username a@example.com -Direction Sideways } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
        { New-OutlookMailServer -ConfigPath $config -Username a@example.com -Encryption tls } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
        New-OutlookMailServer -ConfigPath $config -Username a@example.com -Port 0 -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPort,*'
        Test-Path $config | Should -BeFalse
        (New-OutlookMailServer -ConfigPath $config -Username a@example.com -Direction incoming -Port ' 993 ' -Active $false).Active | Should -BeFalse
    }
}

Describe 'A realistic mixed CSV with blank optional cells' {
    It 'treats a blank cell as not given, honours Active=false, and saves every row' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Direction,HostName,Port,FromFilter,Sequence,Priority,Active
john@example.com,Outgoing,,,,,,
jane@example.com,Outgoing,,587,,20,,false
support@example.com,Incoming,,,,,3,
'@
        $out = Import-Csv $csv | New-OutlookMailServer -ConfigPath $config
        $out | Should -HaveCount 3
        $john, $jane, $support = Get-OutlookMailServer -ConfigPath $config
        $john.Port | Should -Be 587
        $john.FromFilter | Should -Be 'john@example.com'
        $john.Active | Should -BeTrue
        $jane.Active | Should -BeFalse
        $jane.Sequence | Should -Be 20
        $support.Direction | Should -Be 'Incoming'
        $support.Port | Should -Be 993
        $support.Priority | Should -Be 3
        Get-Content $config -Raw | Should -Match 'active: false'
    }

    It 'reports an unknown column once per pipeline, not per row' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Department,Prot
a@example.com,Sales,25
b@example.com,Sales,25
c@example.com,IT,25
'@
        $out = Import-Csv $csv | New-OutlookMailServer -ConfigPath $config -WarningVariable warned -WarningAction SilentlyContinue
        $out | Should -HaveCount 3
        $warned | Should -HaveCount 1
        $warned[0].Message | Should -Match "'Department', 'Prot'"
        $warned[0].Message | Should -Match 'Port'
    }

    It 'refuses a setting the row''s direction does not have, with the fix' {
        $config = New-ConfigPath
        [pscustomobject]@{ Email = 'box@example.com'; Direction = 'Incoming'; Sequence = '5' } |
            New-OutlookMailServer -ConfigPath $config -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ParameterNotForDirection,*'
        $bad[0].Exception.Message | Should -Match 'Priority'
        $bad[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}

Describe 'Only saved servers go down the pipeline' {
    It 'hands nothing downstream when -ErrorAction Stop stops the pipeline on a bad row, and writes nothing' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Port
first@example.com,587
second@example.com,587
bad@example.com,abc
'@
        $seen = [System.Collections.Generic.List[object]]::new()
        { Import-Csv $csv | New-OutlookMailServer -ConfigPath $config -ErrorAction Stop | ForEach-Object { $seen.Add($_) } } |
            Should -Throw -ExpectedMessage "Row 3, column 'Port'*"
        $seen | Should -HaveCount 0
        Test-Path $config | Should -BeFalse
    }

    It 'outputs the servers after the save, with the TokenStatus Get-OutlookMailServer shows' {
        $config = New-ConfigPath
        $seen = [System.Collections.Generic.List[object]]::new()
        'a@example.com', 'b@example.com' | ForEach-Object { [pscustomobject]@{ Email = $_ } } |
            New-OutlookMailServer -ConfigPath $config | ForEach-Object { $seen.Add([pscustomobject]@{ Name = $_.Name; Saved = (Test-Path $config); TokenStatus = $_.TokenStatus }) }
        $seen.Saved | Should -Be @($true, $true)
        $seen.TokenStatus | Should -Be @('Missing', 'Missing')
        (Get-OutlookMailServer -ConfigPath $config).TokenStatus | Should -Be @('Missing', 'Missing')
        (New-OutlookMailServer -ConfigPath $config -Username c@example.com).TokenStatus | Should -Be 'Missing'
    }

    It '-WhatIf previews only the rows the real run would save' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Port
john@example.com,587
john@example.com,587
bad@example.com,abc
jane@example.com,
'@
        $script = "Import-Module '$(Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1')'; " +
                  "Import-Csv '$csv' | New-OutlookMailServer -ConfigPath '$config' -WhatIf -ErrorAction SilentlyContinue -ErrorVariable e; " +
                  "'errors: ' + (`$e.FullyQualifiedErrorId -join ' ')"
        $lines = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $whatIf = @($lines | Where-Object { $_ -like 'What if:*' })
        $whatIf | Should -HaveCount 2
        $whatIf[0] | Should -Match "Add outgoing server 'john@example.com'"
        $whatIf[1] | Should -Match "Add outgoing server 'jane@example.com'"
        ($lines | Where-Object { $_ -like 'errors:*' }) | Should -Match 'ServerAlreadyExists.*InvalidColumnValue'
        Test-Path $config | Should -BeFalse
    }
}

Describe 'The README''s bulk change works on the README''s own CSV' {
    It 'changes the sequence of the outgoing servers and skips the incoming one with one warning' {
        $config = New-ConfigPath
        $csv = New-Csv @'
Email,Direction
john@example.com,Outgoing
jane@example.com,Outgoing
support@example.com,Incoming
'@
        Import-Csv $csv | New-OutlookMailServer -ConfigPath $config | Out-Null
        $changed = Get-OutlookMailServer -ConfigPath $config -Name *@example.com |
            Set-OutlookMailServer -Sequence 20 -PassThru -ErrorAction Stop -WarningVariable warned -WarningAction SilentlyContinue
        $changed.Name | Should -Be @('john@example.com', 'jane@example.com')
        (Get-OutlookMailServer -ConfigPath $config -Direction Outgoing).Sequence | Should -Be @(20, 20)
        (Get-OutlookMailServer -ConfigPath $config -Direction Incoming).Priority | Should -Be 5
        $warned | Should -HaveCount 1
        $warned[0].Message | Should -Match "-Sequence does not apply to incoming servers.*Priority.*'support@example.com'"
    }

    It 'still refuses -Sequence for an incoming server named on the command line' {
        $config = New-ConfigPath
        New-OutlookMailServer -ConfigPath $config -Username support@example.com -Direction Incoming | Out-Null
        Set-OutlookMailServer -ConfigPath $config -Name support@example.com -Sequence 20 -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ParameterNotForDirection,*'
    }
}
