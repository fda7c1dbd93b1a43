namespace OutlookOAuth.Graph;

/// <summary>The Exchange Online PowerShell commands Graph cannot run for app-only mail, filled in with the real ids.
/// New-ServicePrincipal takes the ENTERPRISE APPLICATION's object id (the app registration's makes sign-in fail).</summary>
public static class ExchangeOnlineCommands
{
    public static IReadOnlyList<string> ForAppOnly(string appId, string servicePrincipalId, string displayName, IEnumerable<string> mailboxes)
    {
        var list = mailboxes.Where(m => !string.IsNullOrWhiteSpace(m)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var name = displayName.Replace("'", "''");
        var commands = new List<string>
        {
            "Connect-ExchangeOnline",
            $"New-ServicePrincipal -AppId {appId} -ObjectId {servicePrincipalId} -DisplayName '{name}'",
        };
        foreach (var m in list)
            commands.Add($"Add-MailboxPermission -Identity '{m.Replace("'", "''")}' -User {servicePrincipalId} -AccessRights FullAccess");
        var filter = list.Count == 0 ? "<mailbox filter>"
            : string.Join(" -or ", list.Select(m => $"PrimarySmtpAddress -eq '{m.Replace("'", "''")}'"));
        commands.Add($"New-ManagementScope -Name '{name} mailboxes' -RecipientRestrictionFilter \"{filter.Replace("\"", "`\"")}\"");
        commands.Add($"New-ManagementRoleAssignment -App {servicePrincipalId} -Role 'Application SMTP.SendAsApp' -CustomResourceScope '{name} mailboxes'");
        if (list.Count > 0) commands.Add($"Test-ServicePrincipalAuthorization -Identity {servicePrincipalId} -Resource '{list[0].Replace("'", "''")}'");
        return commands;
    }
}
