using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;
using Xunit;

namespace OutlookOAuth.Tests.Graph;

/// <summary>OOC020: Test-OutlookMailConfiguration warns 30 days before the client secret expires and errors once it has.</summary>
public class SecretExpiryRuleTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    sealed class Fixed : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    static ConfigurationFinding? Finding(DateTimeOffset? expires, string? certificate = null)
    {
        var c = Tests.Selection.SelectionConfigs.PerUser();
        c.Application.ClientId = "3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f";
        c.Application.SecretExpiresOn = expires;
        c.Application.CertificatePath = certificate;
        return ConfigurationDoctor.Check(c, null, new Fixed()).SingleOrDefault(f => f.RuleId == ConfigurationRules.ClientSecretExpiry);
    }

    [Fact]
    public void Nothing_while_more_than_30_days_are_left_or_no_expiry_is_known()
    {
        Assert.Null(Finding(Now.AddDays(31)));
        Assert.Null(Finding(null));
    }

    [Fact]
    public void A_warning_30_days_ahead_with_the_days_left()
    {
        var f = Finding(Now.AddDays(30))!;
        Assert.Equal(FindingSeverity.Warning, f.Severity);
        Assert.Equal(FindingTargetType.Application, f.TargetType);
        Assert.Contains("in 30 days", f.Message);
        Assert.Contains("Update-OutlookApplicationSecret", f.Fix);
    }

    [Fact]
    public void An_error_once_expired()
    {
        var f = Finding(Now.AddSeconds(-1))!;
        Assert.Equal(FindingSeverity.Error, f.Severity);
        Assert.Contains("AADSTS7000222", f.Message);
    }

    [Fact]
    public void A_certificate_has_no_secret_to_expire() => Assert.Null(Finding(Now.AddDays(-1), "/tmp/app.pfx"));
}
