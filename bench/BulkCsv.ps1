#Requires -Version 7.4
<#
.SYNOPSIS
    Bulk CSV speed: N rows of a realistic mixed CSV through New-OutlookMailServer, as a ratio to Select-Object on the
    same rows in the same pwsh (issue 9: goal <= 3x).
.DESCRIPTION
    The rows are read once (Import-Csv) and kept in memory, so both pipelines get the same PSCustomObjects and the
    measure is the cmdlet's per-row work plus its one save. The two pipelines run alternately -Repeat times (after one
    warm-up pair); Ratio is the median of the pairs' ratios. Run from the repository root after a build:
        dotnet pwsh -NoProfile -File bench/BulkCsv.ps1
#>
[CmdletBinding()]
param([int] $Rows = 10000, [int] $Repeat = 9)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
$dir = Join-Path ([IO.Path]::GetTempPath()) "bulkcsv-$PID"
New-Item -ItemType Directory -Force $dir | Out-Null
try {
    $csv = Join-Path $dir 'users.csv'
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('Email,Direction,HostName,Port,Encryption,Sequence,FromFilter,Active')
    for ($i = 0; $i -lt $Rows; $i++) {
        if ($i % 10 -eq 9) { $lines.Add("box$i@example.com,Incoming,,,,,,true") }
        else { $lines.Add("user$i@example.com,Outgoing,,587,StartTls,$(10 + $i % 5),,true") }
    }
    Set-Content -Path $csv -Value $lines
    $data = @(Import-Csv $csv)

    # The two pipelines alternate, so a change of load on a shared machine falls on both alike.
    $selectTimes = [Collections.Generic.List[double]]::new()
    $newTimes = [Collections.Generic.List[double]]::new()
    $config = $null
    for ($n = 0; $n -le $Repeat; $n++) {
        $config = Join-Path $dir "config-$n.yaml"
        $s = (Measure-Command { $data | Select-Object Email, Direction, HostName, Port, Encryption, Sequence, FromFilter, Active | Out-Null }).TotalMilliseconds
        $m = (Measure-Command { $data | New-OutlookMailServer -ConfigPath $config | Out-Null }).TotalMilliseconds
        if ($n -gt 0) { $selectTimes.Add($s); $newTimes.Add($m) }   # the first pair warms up
    }
    function Get-Median($values) { $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    $select = Get-Median $selectTimes
    $new = Get-Median $newTimes
    # Each pair ran back to back under the same load: the median of the pairs' ratios is the figure least moved by
    # other work on a shared machine.
    $ratio = Get-Median (0..($newTimes.Count - 1) | ForEach-Object { $newTimes[$_] / $selectTimes[$_] })
    $saved = @(Get-OutlookMailServer -ConfigPath $config).Count
    if ($saved -ne $Rows) { throw "expected $Rows saved servers, found $saved" }
    [pscustomobject]@{
        Rows = $Rows
        SelectObjectMs = [math]::Round($select)
        NewOutlookMailServerMs = [math]::Round($new)
        Ratio = [math]::Round($ratio, 2)
        Goal = '<= 3'
    }
}
finally { Remove-Item -Recurse -Force $dir }
