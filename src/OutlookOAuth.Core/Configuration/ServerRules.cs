namespace OutlookOAuth.Configuration;

/// <summary>The rules a server must satisfy (Odoo's constraints plus ours). Every failure is a
/// <see cref="ConfigurationValidationException"/> naming the field.</summary>
public static class ServerRules
{
    /// <summary>Fills Outlook defaults that depend on other fields (the FROM filter of an Outlook outgoing
    /// server defaults to its username), then validates.</summary>
    public static void Normalize(MailServer server)
    {
        server.Name = server.Name.Trim();
        server.Username = server.Username.Trim();
        server.HostName = server.HostName.Trim();
        if (server is OutgoingMailServer o)
        {
            o.FromFilter = string.Join(",", MailSyntax.SplitFilter(o.FromFilter));
            if (o.FromFilter.Length == 0 && o.UsesOutlookOAuth && MailSyntax.IsAddress(o.Username))
                o.FromFilter = o.Username;
        }
    }

    /// <summary>All problems of one server, in field order (empty when it is valid).</summary>
    public static IReadOnlyList<ConfigurationValidationException> Check(MailServer server)
    {
        var problems = new List<ConfigurationValidationException>();
        void Fail(string id, string field, string message) => problems.Add(new ConfigurationValidationException(id, field, message));
        var what = $"{server.Direction.ToString().ToLowerInvariant()} server '{server.Name}'";

        if (string.IsNullOrWhiteSpace(server.Name))
            Fail("ServerNameRequired", nameof(MailServer.Name), $"A {server.Direction.ToString().ToLowerInvariant()} server needs a name (or a username, which becomes the name).");
        if (string.IsNullOrWhiteSpace(server.HostName))
            Fail("HostNameRequired", nameof(MailServer.HostName), $"The {what} needs a host name.");
        else if (server.HostName.Any(char.IsWhiteSpace) || Uri.CheckHostName(server.HostName) == UriHostNameType.Unknown)
            Fail("InvalidHostName", nameof(MailServer.HostName), $"'{server.HostName}' is not a valid host name for the {what}.");
        if (server.Port is < 1 or > 65535)
            Fail("InvalidPort", nameof(MailServer.Port), $"Port {server.Port} of the {what} is outside 1-65535.");

        if (server.UsesOutlookOAuth && !MailSyntax.IsAddress(server.Username))
            Fail("OutlookUsernameRequired", nameof(MailServer.Username),
                string.IsNullOrWhiteSpace(server.Username)
                    ? $"The {what} uses Outlook OAuth and needs a username: the Microsoft 365 email address of the account that signs in (without it no AUTH is sent and Microsoft answers 530 5.7.57)."
                    : $"The username '{server.Username}' of the {what} is not an email address; Outlook OAuth needs the Microsoft 365 address of the account that signs in.");

        switch (server)
        {
            case OutgoingMailServer o:
                if (o.UsesOutlookOAuth && o.Encryption != SmtpEncryption.StartTls)
                    Fail("OutlookRequiresStartTls", nameof(OutgoingMailServer.Encryption),
                        $"Incorrect connection security for the Outlook {what}: set it to starttls (TLS (STARTTLS) on port 587); Microsoft 365 does not accept {o.Encryption.ToString().ToLowerInvariant()} for SMTP AUTH.");
                foreach (var entry in MailSyntax.SplitFilter(o.FromFilter))
                {
                    var ok = entry.Contains('@') ? MailSyntax.IsAddress(entry) : MailSyntax.IsDomain(entry);
                    if (!ok)
                        Fail("InvalidFromFilter", nameof(OutgoingMailServer.FromFilter),
                            $"FROM filter entry '{entry}' of the {what} is neither a valid email address nor a valid domain.");
                }
                break;
            case IncomingMailServer i:
                if (!i.Ssl)
                    Fail("OutlookRequiresSsl", nameof(IncomingMailServer.Ssl), $"SSL is required for the Outlook {what} (IMAP over SSL/TLS, port 993).");
                break;
        }
        return problems;
    }

    /// <summary>Throws the first problem of <see cref="Check"/>.</summary>
    public static void Validate(MailServer server)
    {
        var problems = Check(server);
        if (problems.Count > 0) throw problems[0];
    }

    /// <summary>Throws when a system parameter value is invalid.</summary>
    public static void ValidateParameter(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(key))
            throw new ConfigurationValidationException("ParameterNameRequired", "Name", "A system parameter needs a name.");
        if (value is not null && SystemParameters.CheckName(key) is { } name) throw name; // removing a bad key stays possible
        if (value is not null && value.Trim().Length == 0)
            throw new ConfigurationValidationException("EmptyParameterValue", key,
                $"The value for system parameter '{key}' is empty; an empty value is not stored (Odoo would read it as unset) and does not remove the parameter either.")
            { Hint = $"To remove the parameter, pass $null: Set-MailSystemParameter -Name {key} -Value $null. Otherwise give a value." };
        if (SystemParameters.Validate(key, value) is { } reason)
            throw new ConfigurationValidationException("InvalidParameterValue", key, $"Invalid value for system parameter '{key}': {reason}");
    }

    /// <summary>Problems of the whole configuration: each server, duplicate names per direction, parameters.</summary>
    public static IReadOnlyList<ConfigurationValidationException> CheckAll(OutlookConfiguration config)
    {
        var problems = new List<ConfigurationValidationException>();
        foreach (var direction in new[] { MailServerDirection.Outgoing, MailServerDirection.Incoming })
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var server in config.Servers(direction))
            {
                problems.AddRange(Check(server));
                if (!seen.Add(server.Name))
                    problems.Add(new ConfigurationValidationException("DuplicateServerName", nameof(MailServer.Name),
                        $"There are two {direction.ToString().ToLowerInvariant()} servers named '{server.Name}'; names are unique per direction (case-insensitive)."));
            }
        }
        foreach (var (key, value) in config.Parameters)
            if (SystemParameters.Validate(key, value) is { } reason)
                problems.Add(new ConfigurationValidationException("InvalidParameterValue", key, $"Invalid value for system parameter '{key}': {reason}"));
        return problems;
    }
}
