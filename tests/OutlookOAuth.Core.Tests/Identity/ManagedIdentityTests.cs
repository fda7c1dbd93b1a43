using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>The managed identity of the application: how it is named, kept in the YAML, and which endpoint MSAL will ask.
/// Tokens from the lab's real endpoints are proven by tests/Runbook.Tests.ps1.</summary>
public class ManagedIdentityTests
{
    const string ResourceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runbook";

    [Theory]
    [InlineData("system", ManagedIdentityKind.SystemAssigned, "system")]
    [InlineData("SystemAssigned", ManagedIdentityKind.SystemAssigned, "system")]
    [InlineData(" 8C2E4B6A-1D3F-4A5B-9C7D-0E1F2A3B4C6D ", ManagedIdentityKind.UserAssignedClientId, "8c2e4b6a-1d3f-4a5b-9c7d-0e1f2a3b4c6d")]
    [InlineData(ResourceId, ManagedIdentityKind.UserAssignedResourceId, ResourceId)]
    public void Names_of_an_identity(string value, ManagedIdentityKind kind, string stored)
    {
        var identity = ManagedIdentitySelection.Parse(value)!;
        Assert.Equal((kind, stored), (identity.Kind, identity.Value));
    }

    [Theory]
    [InlineData("lab-runbook", "InvalidManagedIdentityClientId")]
    [InlineData("8c2e4b6a1d3f4a5b9c7d0e1f2a3b4c6d", "InvalidManagedIdentityClientId")]    // a GUID, but not in the portal's form
    [InlineData("/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z", "InvalidManagedIdentityResourceId")]
    public void Anything_else_is_refused_with_the_field_named(string value, string errorId)
    {
        var e = Assert.Throws<ConfigurationValidationException>(() => ManagedIdentitySelection.Parse(value));
        Assert.Equal(errorId, e.ErrorId);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void The_yaml_keeps_the_identity_and_no_secret()
    {
        var config = new OutlookConfiguration();
        config.Application.ManagedIdentity = ResourceId;
        var text = ConfigurationSerializer.Serialize(config);
        Assert.Contains($"managedIdentity: {ResourceId}", text);
        Assert.Equal(ResourceId, ConfigurationSerializer.Parse(text, "c.yaml").Application.ManagedIdentity);
    }

    [Fact]
    public void A_hand_edited_identity_that_is_none_is_refused_at_its_line()
    {
        var e = Assert.Throws<ConfigurationFileException>(() => ConfigurationSerializer.Parse("version: 1\napplication:\n  managedIdentity: my-identity\n", "c.yaml"));
        Assert.Equal(3L, e.Line);
        Assert.Contains("managedIdentity", e.Message);
    }

    [Fact]
    public void Set_OutlookApplication_refuses_two_identities_and_changes_nothing()
    {
        var change = new ApplicationChange { ManagedIdentity = "system", ManagedIdentitySources = 2 };
        var e = Assert.Throws<ConfigurationValidationException>(() => OutlookApplication.Validate(change));
        Assert.Equal("ConflictingManagedIdentity", e.ErrorId);
    }

    [Theory]
    [InlineData("IDENTITY_ENDPOINT=http://localhost:1/msi/token;IDENTITY_HEADER=h", "App Service (Azure Automation)", "http://localhost:1/msi/token")]
    [InlineData("IDENTITY_ENDPOINT=http://localhost:1/arc;IMDS_ENDPOINT=http://localhost:2", "Azure Arc", "http://localhost:1/arc")]
    [InlineData("AZURE_POD_IDENTITY_AUTHORITY_HOST=https://127.0.0.1:5/", "IMDS (Azure VM, hybrid worker)", "https://127.0.0.1:5/metadata/identity/oauth2/token")]
    [InlineData("", "IMDS (Azure VM, hybrid worker)", "http://169.254.169.254/metadata/identity/oauth2/token")]
    public void The_endpoint_named_in_errors_is_the_one_MSAL_asks(string environment, string source, string endpoint)
    {
        var vars = environment.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]);
        Assert.Equal((source, endpoint), ManagedIdentityTokens.Endpoint(n => vars.GetValueOrDefault(n)));
    }

    [Fact]
    public void No_endpoint_is_one_line_with_the_fix()
    {
        var e = ManagedIdentityTokens.Map(new HttpRequestException("Connection refused"), ManagedIdentitySelection.SystemAssigned,
            ("IMDS (Azure VM, hybrid worker)", "http://127.0.0.1:9/metadata/identity/oauth2/token"));
        Assert.Equal("ManagedIdentityUnavailable", e.ErrorId);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("http://127.0.0.1:9/", e.Message);
        Assert.Contains("Azure Automation", e.Hint);
    }
}
