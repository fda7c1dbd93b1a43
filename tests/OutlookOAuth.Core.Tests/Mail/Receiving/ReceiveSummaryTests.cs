using OutlookOAuth.Mail.Receiving;
using Xunit;

namespace OutlookOAuth.Tests.Mail.Receiving;

/// <summary>What Receive-OutlookMail says about one server's receive, and how it reads -Since.</summary>
public class ReceiveSummaryTests
{
    [Fact]
    public void The_summary_line_counts_what_happened_and_says_moved_only_when_messages_were_moved()
    {
        var summary = new ReceiveSummary("bob@example.com", "INBOX", 7, Found: 5, Delivered: 4, Failed: 1, Committed: 4, UidValidityChanged: false);
        Assert.Equal("[bob@example.com] 4 of 5 messages received, 4 marked read, 1 failed.", summary.ToString());
        Assert.Equal("[bob@example.com] 4 of 5 messages received, 4 marked read and moved, 1 failed.", (summary with { Moved = true }).ToString());
        Assert.Null(summary.Warning);
        Assert.Contains("'INBOX' of 'bob@example.com' was rebuilt", (summary with { UidValidityChanged = true }).Warning);
    }

    [Fact]
    public void A_date_without_a_kind_is_local_time_and_a_utc_date_stays_utc()
    {
        var typed = new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Unspecified);
        Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(typed), ReceiveOptions.LocalTime(typed)!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, ReceiveOptions.LocalTime(new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc))!.Value.Offset);
        Assert.Null(ReceiveOptions.LocalTime(null));
    }
}
