# Shared by the Pester scenarios that use the lab (tests/lab/start.sh): dot-source it inside BeforeAll.
#   . (Join-Path $PSScriptRoot 'Lab.ps1')
# Imports the built module, loads the lab's environment (starting the lab when it is not running) and defines
# New-LabBrowser, a "browser" for $env:BROWSER that signs in on the lab authority's form.

Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
if (-not $env:OUTLOOKOAUTH_LAB_SMTP_PORT -or -not $env:OUTLOOKOAUTH_LAB_AUTHORITY) {
    $envFile = & bash (Join-Path $PSScriptRoot 'lab' 'start.sh') | Select-Object -Last 1
    foreach ($line in Get-Content $envFile) {
        if ($line -match '^export (\w+)=(.*)$') { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
$script:Secret = ConvertTo-SecureString $env:OUTLOOKOAUTH_LAB_CLIENT_SECRET -AsPlainText -Force
$script:LabHost = $env:OUTLOOKOAUTH_LAB_HOST

# Signs in on the lab's form as $User and delivers the redirect (code + state) to the module's loopback listener.
function New-LabBrowser([string] $User) {
    $path = Join-Path $TestDrive "browser-$User.sh"
    @"
#!/bin/sh
loc=`$(curl -s --cacert "`$OUTLOOKOAUTH_CA_FILE" -o /dev/null -w '%{redirect_url}' --data-urlencode 'username=$User' --data-urlencode "password=`$OUTLOOKOAUTH_LAB_PASSWORD" "`$1")
curl -s -o /dev/null "`$loc"
"@ | Set-Content -Path $path
    chmod 700 $path
    $path
}
