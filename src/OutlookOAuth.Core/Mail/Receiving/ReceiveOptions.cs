namespace OutlookOAuth.Mail.Receiving;

/// <summary>What <see cref="MailReceiver"/> fetches from one incoming server and what it does with a processed message.</summary>
public sealed class ReceiveOptions
{
    /// <summary>Odoo's fetchmail batch: at most this many messages per server per call.</summary>
    public const int DefaultLimit = 50;

    /// <summary>The folder to read (default INBOX).</summary>
    public string Folder { get; init; } = "INBOX";
    /// <summary>Only messages that arrived at or after this time (IMAP SINCE, then the exact internal date).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>A point in time as an admin types it (<c>-Since (Get-Date).AddDays(-1)</c>, <c>-Since 2026-11-01</c>): a
    /// date without a kind is local time, as PowerShell shows it.</summary>
    public static DateTimeOffset? LocalTime(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Local) : t) : null;
    /// <summary>Seen messages too (default: only unseen ones).</summary>
    public bool All { get; init; }
    /// <summary>Leave messages as they are (the folder is opened read-only: no \Seen, no move).</summary>
    public bool Peek { get; init; }
    /// <summary>At most this many messages (oldest first); 0 means no limit.</summary>
    public int Limit { get; init; } = DefaultLimit;
    /// <summary>A folder where each message is saved as an .eml before it goes further; null saves nothing.</summary>
    public string? Destination { get; init; }
    /// <summary>Move a processed message to this folder (after flagging it \Seen) instead of only flagging it.</summary>
    public string? MoveTo { get; init; }
    /// <summary>Move a message that cannot be fetched or parsed to this folder (created when missing) before it is reported,
    /// so that the next receive goes on without it; null leaves it unread where it is (it is reported again each time).</summary>
    public string? FailedFolder { get; init; }
    /// <summary>Where the per-mailbox receive locks live; null: <see cref="MailReceiver.DefaultLockDirectory"/>.</summary>
    public string? LockDirectory { get; init; }
    /// <summary>How long a receive waits for another receive of the same mailbox on this machine to finish.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>UIDs per FETCH command (and per \Seen/MOVE command).</summary>
    public int BatchSize { get; init; } = 100;
}
