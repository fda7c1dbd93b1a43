using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail.Sending;

/// <summary>How <see cref="MailSender"/> talks to the servers.</summary>
public sealed class MailSendOptions
{
    /// <summary>Exchange Online's SMTP submission limit per mailbox.</summary>
    public const int MicrosoftMessagesPerMinute = 30;

    /// <summary>Messages per minute per mailbox; null = <see cref="MicrosoftMessagesPerMinute"/> on Microsoft hosts
    /// (office365.com, outlook.com) and no pacing elsewhere; 0 = no pacing.</summary>
    public int? MessagesPerMinute { get; init; }
    /// <summary>The journal of the mailing (owned by the sender from then on): accepted messages are recorded in it and
    /// <see cref="MailSender.Journaled"/> tells which ones an earlier run already sent.</summary>
    public SendJournal? Journal { get; init; }
    /// <summary>A connection whose token has less than this left is replaced by a new one with a fresh token.</summary>
    public TimeSpan TokenRefreshMargin { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The pacing that applies to <paramref name="server"/> (0 = none).</summary>
    public int RateFor(OutgoingMailServer server) => MessagesPerMinute ?? (IsMicrosoftHost(server.HostName) ? MicrosoftMessagesPerMinute : 0);

    /// <summary>True for Exchange Online's SMTP hosts (smtp.office365.com, smtp.outlook.com, smtp-mail.outlook.com, ...).</summary>
    public static bool IsMicrosoftHost(string host)
    {
        var h = host.Trim().TrimEnd('.').ToLowerInvariant();
        foreach (var domain in new[] { "office365.com", "outlook.com", "office.com" })
            if (h == domain || h.EndsWith("." + domain, StringComparison.Ordinal)) return true;
        return false;
    }
}
