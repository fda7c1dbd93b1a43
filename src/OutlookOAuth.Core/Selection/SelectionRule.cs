using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>Which step of Odoo's mail-server choice decided (odoo-outlook.md §3.2).</summary>
public enum SelectionRule
{
    /// <summary>A server's FROM filter lists the sender's address; From kept.</summary>
    ExactAddress,
    /// <summary>A server's FROM filter lists the sender's domain; From kept.</summary>
    Domain,
    /// <summary>A server's FROM filter lists the notifications address; From rewritten.</summary>
    NotificationsAddress,
    /// <summary>A server's FROM filter lists the notifications address's domain; From rewritten.</summary>
    NotificationsDomain,
    /// <summary>The first server with an empty FROM filter; From rewritten when there is a notifications address.</summary>
    EmptyFilter,
    /// <summary>No filter matched: the first server anyway, with a warning.</summary>
    FirstServer,
    /// <summary>No active outgoing server.</summary>
    NoServer,
}
