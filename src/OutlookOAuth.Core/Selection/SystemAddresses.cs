using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>The notifications and bounce addresses formed from the system parameters, as Odoo's alias
/// domain does (odoo-outlook.md §3.5). All results are normalized (lower case, IDNA domain) or null.</summary>
public static class SystemAddresses
{
    /// <summary>The alias-domain default of <c>mail.default.from</c> when only the catchall domain is set.</summary>
    public const string DefaultFromAlias = "notifications";
    /// <summary>The default of <c>mail.bounce.alias</c>.</summary>
    public const string DefaultBounceAlias = "bounce";

    /// <summary><c>mail.catchall.domain</c> in normal form, or null when unset or invalid.</summary>
    public static string? CatchallDomain(OutlookConfiguration config) =>
        MailSyntax.NormalizeDomain(config.GetParameter(SystemParameters.CatchallDomain));

    /// <summary><c>mail.default.from</c> as is when it holds an '@'; else
    /// <c>{mail.default.from}@{mail.catchall.domain}</c> (<c>notifications</c> when only the domain is set);
    /// null when it cannot be formed or is invalid.</summary>
    public static string? NotificationsAddress(OutlookConfiguration config)
    {
        var from = config.GetParameter(SystemParameters.DefaultFrom)?.Trim();
        if (!string.IsNullOrEmpty(from) && from.Contains('@')) return MailSyntax.NormalizeAddress(from);
        var domain = CatchallDomain(config);
        if (domain is null) return null;
        var local = string.IsNullOrEmpty(from) ? DefaultFromAlias : from;
        return MailSyntax.IsLocalPart(local) ? MailSyntax.NormalizeAddress(local + "@" + domain) : null;
    }

    /// <summary><c>{mail.bounce.alias or bounce}@{mail.catchall.domain}</c>, or null without a valid catchall domain.</summary>
    public static string? BounceAddress(OutlookConfiguration config)
    {
        var domain = CatchallDomain(config);
        if (domain is null) return null;
        var alias = config.GetParameter(SystemParameters.BounceAlias)?.Trim();
        if (string.IsNullOrEmpty(alias)) alias = DefaultBounceAlias;
        return MailSyntax.IsLocalPart(alias) ? MailSyntax.NormalizeAddress(alias + "@" + domain) : null;
    }
}

/// <summary>A FROM filter split into normalized address and domain entries (Odoo's _match_from_filter).</summary>
internal sealed class ParsedFilter
{
    public ParsedFilter(string? filter)
    {
        IsEmpty = string.IsNullOrWhiteSpace(filter);
        foreach (var entry in MailSyntax.SplitFilter(filter))
        {
            if (entry.Contains('@'))
            {
                if (MailSyntax.NormalizeAddress(entry) is { } a && !Addresses.Contains(a)) Addresses.Add(a);
            }
            else if (MailSyntax.NormalizeDomain(entry) is { } d && !Domains.Contains(d)) Domains.Add(d);
        }
    }

    /// <summary>An empty filter accepts every sender.</summary>
    public bool IsEmpty { get; }
    public List<string> Addresses { get; } = new(1);
    public List<string> Domains { get; } = new(0);

    /// <summary>True when the filter accepts the normalized address (empty filters accept everything).</summary>
    public bool Accepts(string? normalizedAddress) =>
        IsEmpty || (normalizedAddress is not null &&
            (Addresses.Contains(normalizedAddress) || Domains.Contains(MailSyntax.DomainOf(normalizedAddress))));
}
