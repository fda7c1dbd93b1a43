using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>Set-MailSystemParameter's rules: only null removes; keys are used exactly as Odoo reads them.</summary>
public class ParameterInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_value_is_refused_and_points_to_null(string value)
    {
        var e = Assert.Throws<ConfigurationValidationException>(() => ServerRules.ValidateParameter("mail.bounce.alias", value));
        Assert.Equal("EmptyParameterValue", e.ErrorId);
        Assert.Contains("-Value $null", e.Hint);
        ServerRules.ValidateParameter("mail.bounce.alias", null); // removing
    }

    [Theory]
    [InlineData("MAIL.CATCHALL.DOMAIN", "ParameterNameCase", "mail.catchall.domain")]
    [InlineData("Mail.Default.From", "ParameterNameCase", "mail.default.from")]
    [InlineData("mail.catchall.domain ", "InvalidParameterName", "'mail.catchall.domain'")]
    [InlineData(" web.base.url", "InvalidParameterName", "'web.base.url'")]
    [InlineData("mail. catchall", "InvalidParameterName", "dotted")]
    public void A_key_that_would_bypass_the_known_key_is_refused_with_the_known_key_as_hint(string key, string errorId, string hint)
    {
        var e = Assert.Throws<ConfigurationValidationException>(() => ServerRules.ValidateParameter(key, "example.com"));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(hint, e.Hint);
    }

    [Fact]
    public void A_case_variant_key_already_in_a_file_can_still_be_removed_and_unknown_keys_are_free()
    {
        ServerRules.ValidateParameter("MAIL.CATCHALL.DOMAIN", null);
        ServerRules.ValidateParameter("mail.catchall.domain ", null);
        ServerRules.ValidateParameter("x_custom.Key", "anything");
    }

    [Fact]
    public void The_batch_refuses_them_before_anything_is_saved()
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.yaml");
        var batch = new ConfigurationBatch(new ConfigurationStore(path));
        Assert.Throws<ConfigurationValidationException>(() => batch.SetParameter("MAIL.CATCHALL.DOMAIN", "x y"));
        Assert.Throws<ConfigurationValidationException>(() => batch.SetParameter("mail.bounce.alias", ""));
        Assert.False(batch.HasChanges);
    }
}
