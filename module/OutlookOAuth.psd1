@{
    RootModule           = 'OutlookOAuth.dll'
    # Loaded first: hooks OutlookOAuth.Core (Dependencies/) into the module's private AssemblyLoadContext before
    # PowerShell loads the cmdlet types.
    NestedModules        = @('OutlookOAuth.Loader.dll')
    # Stamped by the build from <ModuleVersion> in Directory.Build.props (the only place the version is written);
    # out/OutlookOAuth/OutlookOAuth.psd1 carries the real one.
    ModuleVersion        = '0.0.0'
    GUID                 = '6f7d0f0e-4c1b-4f55-9a43-0b9f3c7d2a61'
    Author               = 'OutlookOAuth contributors'
    Copyright            = '(c) OutlookOAuth contributors. MIT License: LICENSE in this folder.'
    Description          = 'Configure and operate Outlook / Microsoft 365 mail servers authenticated with Entra OAuth (XOAUTH2): servers, FROM filters, system parameters, accounts, tokens and connection tests; sending and receiving mail.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('OutlookOAuth.Format.ps1xml')
    CmdletsToExport      = @(
        'New-OutlookMailServer'
        'Get-OutlookMailServer'
        'Set-OutlookMailServer'
        'Remove-OutlookMailServer'
        'Set-MailSystemParameter'
        'Get-MailSystemParameter'
        'Set-OutlookApplication'
        'Get-OutlookApplication'
        'Connect-OutlookAccount'
        'Disconnect-OutlookAccount'
        'Resolve-OutlookMailServer'
        'Test-OutlookMailConfiguration'
        'Test-OutlookConnection'
        'Send-OutlookMail'
        'Receive-OutlookMail'
        'Save-OutlookMailAttachment'
        # The tenant through Microsoft Graph, issue 18
        'Register-OutlookApplication'
        'Add-OutlookApplicationAssignment'
        'Update-OutlookApplicationSecret'
        'Test-OutlookTenant'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('Outlook', 'Office365', 'Microsoft365', 'OAuth', 'XOAUTH2', 'SMTP', 'IMAP', 'Entra', 'Odoo')
            # Only true metadata: no ProjectUri or LicenseUri (the project has no public address). The licence is the
            # file LICENSE (MIT) shipped in the module folder and the package, beside THIRD-PARTY-NOTICES.txt.
        }
    }
}
