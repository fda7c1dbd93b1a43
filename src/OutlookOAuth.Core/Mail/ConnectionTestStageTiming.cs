using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>How long one stage took.</summary>
public sealed record ConnectionTestStageTiming(ConnectionTestStage Stage, TimeSpan Duration)
{
    public override string ToString() => $"{Stage} {Duration.TotalMilliseconds:0} ms";
}
