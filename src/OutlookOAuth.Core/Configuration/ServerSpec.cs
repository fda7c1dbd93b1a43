namespace OutlookOAuth.Configuration;

/// <summary>What a caller asks for a server; null means "not given" (a default for a new server, unchanged
/// for an existing one).</summary>
public sealed class ServerSpec
{
    public string? Name { get; set; }
    public string? NewName { get; set; }
    public string? Username { get; set; }
    public MailServerDirection? Direction { get; set; }
    public string? FromFilter { get; set; }
    public string? HostName { get; set; }
    public int? Port { get; set; }
    public int? Sequence { get; set; }
    public int? Priority { get; set; }
    public ServerAuthentication? Authentication { get; set; }
    public SmtpEncryption? Encryption { get; set; }
    public bool? Ssl { get; set; }
    public bool? Active { get; set; }

    /// <summary>A new server from this spec with Outlook's defaults: smtp.office365.com:587 STARTTLS for
    /// outgoing, outlook.office365.com:993 SSL for incoming; the username is the name when no name is given.</summary>
    public MailServer CreateServer()
    {
        var direction = Direction ?? MailServerDirection.Outgoing;
        MailServer server;
        if (direction == MailServerDirection.Outgoing)
        {
            var auth = Authentication ?? ServerAuthentication.Outlook;
            var encryption = Encryption ?? SmtpEncryption.StartTls;
            server = new OutgoingMailServer
            {
                Authentication = auth,
                Encryption = encryption,
                HostName = HostName ?? (auth == ServerAuthentication.Outlook ? OutgoingMailServer.OutlookHost : ""),
                Port = Port ?? encryption switch { SmtpEncryption.Ssl => 465, SmtpEncryption.None => 25, _ => OutgoingMailServer.OutlookPort },
                FromFilter = FromFilter ?? "",
                Sequence = Sequence ?? 10,
            };
        }
        else
        {
            if (Authentication is ServerAuthentication.Password)
                throw new ConfigurationValidationException("IncomingAuthenticationNotSupported", nameof(Authentication),
                    "Incoming servers always use Outlook OAuth; -Authentication applies to outgoing servers only.");
            server = new IncomingMailServer
            {
                HostName = HostName ?? IncomingMailServer.OutlookHost,
                Port = Port ?? IncomingMailServer.OutlookPort,
                Ssl = Ssl ?? true,
                Priority = Priority ?? 5,
            };
        }
        server.Username = Username ?? "";
        server.Name = string.IsNullOrWhiteSpace(Name) ? server.Username : Name;
        server.Active = Active ?? true;
        RejectOtherDirection(server);
        return server;
    }

    /// <summary>Applies the given fields to an existing server (of the same direction).</summary>
    public void ApplyTo(MailServer server)
    {
        RejectOtherDirection(server);
        if (NewName is not null) server.Name = NewName;
        if (Username is not null) server.Username = Username;
        if (HostName is not null) server.HostName = HostName;
        if (Port is not null) server.Port = Port.Value;
        if (Active is not null) server.Active = Active.Value;
        switch (server)
        {
            case OutgoingMailServer o:
                if (FromFilter is not null) o.FromFilter = FromFilter;
                if (Encryption is not null) o.Encryption = Encryption.Value;
                if (Authentication is not null) o.Authentication = Authentication.Value;
                if (Sequence is not null) o.Sequence = Sequence.Value;
                break;
            case IncomingMailServer i:
                if (Ssl is not null) i.Ssl = Ssl.Value;
                if (Priority is not null) i.Priority = Priority.Value;
                break;
        }
    }

    /// <summary>The given fields that a server of <paramref name="direction"/> does not have (Odoo's incoming servers
    /// have a priority, not a sequence; only outgoing servers have a FROM filter and an encryption).</summary>
    public IReadOnlyList<string> NotFor(MailServerDirection direction)
    {
        var fields = new List<string>();
        if (direction == MailServerDirection.Outgoing)
        {
            if (Ssl is not null) fields.Add(nameof(Ssl));
            if (Priority is not null) fields.Add(nameof(Priority));
        }
        else
        {
            if (FromFilter is not null) fields.Add(nameof(FromFilter));
            if (Encryption is not null) fields.Add(nameof(Encryption));
            if (Sequence is not null) fields.Add(nameof(Sequence));
        }
        return fields;
    }

    /// <summary>True when no field other than the names is given (nothing would change).</summary>
    public bool IsEmpty => NewName is null && Username is null && FromFilter is null && HostName is null && Port is null &&
        Sequence is null && Priority is null && Authentication is null && Encryption is null && Ssl is null && Active is null;

    void RejectOtherDirection(MailServer server)
    {
        var wrong = NotFor(server.Direction);
        if (wrong.Count > 0)
        {
            var instead = wrong[0] switch
            {
                nameof(Sequence) => " (incoming servers are ordered by -Priority)",
                nameof(Priority) => " (outgoing servers are ordered by -Sequence)",
                _ => "",
            };
            throw new ConfigurationValidationException("ParameterNotForDirection", wrong[0],
                $"-{wrong[0]} does not apply to {server.Direction.ToString().ToLowerInvariant()} server '{server.Name}'{instead}.",
                $"Remove -{wrong[0]} (or leave its cell blank) for {server.Direction.ToString().ToLowerInvariant()} servers.");
        }
    }
}
