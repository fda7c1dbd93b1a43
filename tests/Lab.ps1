# Shared by the Pester scenarios that use the lab (tests/lab/start.sh): dot-source it inside BeforeAll.
#   . (Join-Path $PSScriptRoot 'Lab.ps1')
# Imports the built module, loads the lab's environment (starting the lab when it is not running) and defines
# New-LabBrowser, a "browser" for $env:BROWSER that signs in on the lab authority's form, and New-StoryConfig, the
# configuration file of one story in a folder of its own; New-LabSmtpToken, a token the lab's Postfix accepts, and
# Send-LabMail, a message delivered through the lab's Postfix.

Import-Module (Join-Path $PSScriptRoot '..' 'out' 'OutlookOAuth' 'OutlookOAuth.psd1') -Force
if (-not $env:OUTLOOKOAUTH_LAB_SMTP_PORT -or -not $env:OUTLOOKOAUTH_LAB_AUTHORITY) {
    $envFile = & bash (Join-Path $PSScriptRoot 'lab' 'start.sh') | Select-Object -Last 1
    foreach ($line in Get-Content $envFile) {
        if ($line -match '^export (\w+)=(.*)$') { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
# Managed identity: MSAL asks 169.254.169.254 when no App Service variable is set. No test may send a packet there, so
# the IMDS host is moved to a closed loopback port unless a test names the lab's (MSAL reads it once per process).
if (-not $env:AZURE_POD_IDENTITY_AUTHORITY_HOST) { $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = 'http://127.0.0.1:9' }
$script:Secret = ConvertTo-SecureString $env:OUTLOOKOAUTH_LAB_CLIENT_SECRET -AsPlainText -Force
$script:LabHost = $env:OUTLOOKOAUTH_LAB_HOST

# Signs in on the lab's form as $User (by default the account the module asks for: the authorize URL's login_hint,
# the server's username) and delivers the redirect (code + state) to the module's loopback listener.
function New-LabBrowser([string] $User, [string] $Folder = $TestDrive) {
    $name = if ($User) { $User } else { 'login-hint' }
    $path = Join-Path $Folder "browser-$name.sh"
    $who = if ($User) { "user='$User'" } else { "user=`$(printf '%s' `"`$1`" | sed -n 's/.*[?&]login_hint=\([^&]*\).*/\1/p' | sed 's/%40/@/g')" }
    @"
#!/bin/sh
$who
loc=`$(curl -s --cacert "`$OUTLOOKOAUTH_CA_FILE" -o /dev/null -w '%{redirect_url}' --data-urlencode "username=`$user" --data-urlencode "password=`$OUTLOOKOAUTH_LAB_PASSWORD" "`$1")
curl -s -o /dev/null "`$loc"
"@ | Set-Content -Path $path
    chmod 700 $path
    $path
}

# A configuration file in a new folder of $TestDrive. The module keeps tokens and secrets in $env:OUTLOOKOAUTH_TOKEN_STORE,
# else in tokens/ beside the configuration file: the variable is pointed at that folder's own tokens/, so no story
# ever sees another story's tokens, whatever the environment that started the tests says.
function New-StoryConfig([string] $Name = 'config') {
    $dir = Join-Path $TestDrive "$Name-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory $dir | Out-Null
    $env:OUTLOOKOAUTH_TOKEN_STORE = Join-Path $dir 'tokens'
    Join-Path $dir 'config.yaml'
}

# Runs a script in a new pwsh of the same PowerShell as this one (`dotnet pwsh` from the tool manifest, or a pwsh
# executable); no pwsh on PATH is needed. Output and errors come back as text.
function Invoke-NewPwsh([string] $Command) {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        & $exe (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Command 2>&1
    }
    else { & $exe -NoProfile -NonInteractive -Command $Command 2>&1 }
}

# A token the lab's Postfix accepts for $User (RS256, signed with the lab authority's key, scope SMTP.Send).
function New-LabSmtpToken([string] $User) {
    $b64 = { param([byte[]] $b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $utf8 = [Text.Encoding]::UTF8
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = & $b64 $utf8.GetBytes((@{ typ = 'JWT'; alg = 'RS256'; kid = $env:OUTLOOKOAUTH_LAB_KEY_ID } | ConvertTo-Json -Compress))
    $payload = & $b64 $utf8.GetBytes((@{ iss = $env:OUTLOOKOAUTH_LAB_ISSUER; sub = 'story'; iat = $now; exp = $now + 600; upn = $User; scope = 'SMTP.Send' } | ConvertTo-Json -Compress))
    $rsa = [Security.Cryptography.RSA]::Create()
    try {
        $rsa.ImportFromPem((Get-Content -Raw $env:OUTLOOKOAUTH_LAB_SIGNING_KEY))
        $signature = & $b64 $rsa.SignData([Text.Encoding]::ASCII.GetBytes("$header.$payload"), [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    }
    finally { $rsa.Dispose() }
    "$header.$payload.$signature"
}

# Delivers one message From -> To (by default a stranger to bob) through the lab's Postfix (STARTTLS, OAuth bearer),
# with optional attachments (name = bytes) whose names go into the MIME headers as the sender wrote them. Waits until it
# arrived in the INBOX of the incoming server 'support' of the caller's $config (Postfix delivers a batch in any order).
function Send-LabMail([string] $Subject, [Collections.IDictionary] $Attachment = @{}, [string] $From = 'stranger@example.com',
    [string] $To = 'bob@example.com') {
    $before = @(Receive-OutlookMail -ConfigPath $config -Name support -Peek -All -Limit 0).Count
    $boundary = [guid]::NewGuid().ToString('N')
    $lines = @("From: <$From>", "To: <$To>", "Subject: $Subject", "Date: $([DateTimeOffset]::Now.ToString('r'))",
        "Message-ID: <$([guid]::NewGuid().ToString('N'))@story.example.com>", 'MIME-Version: 1.0',
        "Content-Type: multipart/mixed; boundary=`"$boundary`"", '', "--$boundary", 'Content-Type: text/plain', '', "Body of $Subject")
    foreach ($name in $Attachment.Keys) {
        $lines += "--$boundary", "Content-Type: application/octet-stream; name=`"$name`"", "Content-Disposition: attachment; filename=`"$name`"",
            'Content-Transfer-Encoding: base64', '', [Convert]::ToBase64String($Attachment[$name], 'InsertLineBreaks')
    }
    $lines += "--$boundary--", ''
    $file = Join-Path $TestDrive "$boundary.eml"
    [IO.File]::WriteAllText($file, ($lines -join "`r`n"))
    & curl -sS --ssl-reqd --cacert $env:OUTLOOKOAUTH_CA_FILE --url "smtp://$($LabHost):$($env:OUTLOOKOAUTH_LAB_SMTP_PORT)" `
        --login-options 'AUTH=XOAUTH2' --user "$($From):" --oauth2-bearer (New-LabSmtpToken $From) `
        --mail-from $From --mail-rcpt $To --upload-file $file
    if ($LASTEXITCODE -ne 0) { throw "curl could not deliver '$Subject' (exit code $LASTEXITCODE)" }
    $deadline = (Get-Date).AddSeconds(20)
    while (@(Receive-OutlookMail -ConfigPath $config -Name support -Peek -All -Limit 0).Count -le $before) {
        if ((Get-Date) -gt $deadline) { throw "'$Subject' did not arrive" }
        Start-Sleep -Milliseconds 100
    }
}
