using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>How one mail from <see cref="Sender"/> leaves: through which server, with which headers and envelope.</summary>
public sealed class SenderResolution
{
    /// <summary>The sender as given.</summary>
    public required string Sender { get; init; }
    /// <summary>The sender's address in normal form (lower case, IDNA domain).</summary>
    public required string SenderAddress { get; init; }
    /// <summary>A copy of the chosen server, or null (<see cref="SelectionRule.NoServer"/>).</summary>
    public OutgoingMailServer? Server { get; init; }
    public string? ServerName => Server?.Name;
    /// <summary>The From header to use: the sender, or <c>"Name" &lt;notifications@domain&gt;</c> when rewritten.</summary>
    public required string From { get; init; }
    /// <summary>True when <see cref="From"/> is no longer the sender's address.</summary>
    public bool FromRewritten { get; init; }
    /// <summary>The original sender when the From was rewritten (replies still reach them), else null.</summary>
    public string? ReplyTo { get; init; }
    /// <summary>MAIL FROM: the bounce address when the server's filter accepts it, else the From address. Null without a server.</summary>
    public string? EnvelopeFrom { get; init; }
    public required SelectionRule Rule { get; init; }
    /// <summary>Why, in one or two sentences.</summary>
    public required string Reason { get; init; }
    /// <summary>Something an admin should act on (no filter matched; Microsoft will refuse the sender), or null.</summary>
    public string? Warning { get; init; }

    public override string ToString() => $"{Sender} -> {ServerName ?? "(no server)"} ({Rule})";
}
