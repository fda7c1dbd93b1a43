using OutlookOAuth.Identity;

namespace OutlookOAuth.Configuration;

/// <summary>A mail server of the configuration file. Output objects of the cmdlets are copies.</summary>
public abstract class MailServer
{
    string _name = "";

    public string Name
    {
        get => _name;
        set
        {
            var old = _name;
            _name = value;
            if (Owner is not null && !string.Equals(old, value, StringComparison.Ordinal)) Owner.Renamed(this, old);
        }
    }

    /// <summary>The list that indexes this server by name (a configuration's), told of renames; copies have none.</summary>
    internal IMailServerOwner? Owner { get; set; }
    public string Username { get; set; } = "";
    public string HostName { get; set; } = "";
    public int Port { get; set; }
    public bool Active { get; set; } = true;
    public abstract MailServerDirection Direction { get; }

    /// <summary>Token state computed from the token store when the object is output; not saved.</summary>
    public TokenStatus TokenStatus { get; set; } = TokenStatus.Unknown;

    /// <summary>The configuration file this object came from; not saved. Lets the next cmdlet of a
    /// pipeline bind -ConfigPath by property name.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>True when the server authenticates with Entra OAuth (XOAUTH2).</summary>
    public abstract bool UsesOutlookOAuth { get; }

    /// <summary>"host:port", for display and messages.</summary>
    public string Endpoint => $"{HostName}:{Port}";

    public MailServer Clone() => Copy<MailServer>();

    /// <summary>A member-wise copy that belongs to no list.</summary>
    private protected T Copy<T>() where T : MailServer
    {
        var copy = (T)MemberwiseClone();
        copy.Owner = null;
        return copy;
    }

    public override string ToString() => $"{Direction} server '{Name}'";
}
