# Import-Module time of one or more builds of the module, each in fresh pwsh processes, interleaved so machine load
# hits all alike; prints the median and minimum of -Runs. Used for the figures of docs/performance.md ("Import time").
#   dotnet pwsh -NoProfile -File bench/ImportTime.ps1 -ModuleList "<before>/OutlookOAuth.psd1,out/OutlookOAuth/OutlookOAuth.psd1" -Runs 21
param([string] $ModuleList, [int] $Runs = 15)
$pwsh = Join-Path $PSHOME 'pwsh.dll'
$mods = $ModuleList.Split(',')
$res = @{}; foreach ($m in $mods) { $res[$m] = [Collections.Generic.List[double]]::new() }
foreach ($i in 1..$Runs) {
    foreach ($m in $mods) {   # interleaved, so machine load hits both alike
        $ms = & dotnet $pwsh -NoProfile -NonInteractive -Command "(Measure-Command { Import-Module '$m' }).TotalMilliseconds"
        $res[$m].Add([double]$ms)
    }
}
foreach ($m in $mods) { $s = $res[$m] | Sort-Object; '{0,-60} median {1,6:N1} ms  min {2,6:N1} ms  (n={3})' -f $m, $s[[int][math]::Floor($s.Count/2)], $s[0], $s.Count }
