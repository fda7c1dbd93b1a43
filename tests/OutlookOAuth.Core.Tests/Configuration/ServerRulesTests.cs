using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

public class ServerRulesTests
{
    static string? FirstProblem(MailServer s)
    {
        ServerRules.Normalize(s);
        return ServerRules.Check(s).FirstOrDefault()?.ErrorId;
    }

    static OutgoingMailServer Outlook(string user = "jane@example.com") =>
        (OutgoingMailServer)new ServerSpec { Username = user }.CreateServer();

    [Fact]
    public void New_outgoing_server_gets_Outlook_defaults_and_its_username_as_name_and_filter()
    {
        var s = Outlook();
        ServerRules.Normalize(s);
        Assert.Equal(("jane@example.com", "smtp.office365.com", 587, SmtpEncryption.StartTls, ServerAuthentication.Outlook),
            (s.Name, s.HostName, s.Port, s.Encryption, s.Authentication));
        Assert.Equal("jane@example.com", s.FromFilter);
        Assert.Empty(ServerRules.Check(s));
    }

    [Fact]
    public void New_incoming_server_gets_Outlook_defaults()
    {
        var s = (IncomingMailServer)new ServerSpec { Username = "jane@example.com", Direction = MailServerDirection.Incoming }.CreateServer();
        Assert.Equal(("outlook.office365.com", 993, true, 5), (s.HostName, s.Port, s.Ssl, s.Priority));
        Assert.Empty(ServerRules.Check(s));
    }

    [Theory]
    [InlineData("")]
    [InlineData("jane")]
    [InlineData("jane@")]
    [InlineData("jane@localhost")]
    public void Outlook_server_needs_an_email_address_as_username(string user)
    {
        var s = (OutgoingMailServer)new ServerSpec { Name = "x", Username = user }.CreateServer();
        Assert.Equal("OutlookUsernameRequired", FirstProblem(s));
    }

    [Theory]
    [InlineData(SmtpEncryption.Ssl)]
    [InlineData(SmtpEncryption.None)]
    public void Outlook_outgoing_server_needs_starttls(SmtpEncryption encryption)
    {
        var s = Outlook();
        s.Encryption = encryption;
        Assert.Equal("OutlookRequiresStartTls", FirstProblem(s));
    }

    [Fact]
    public void Password_server_may_use_ssl_and_any_username()
    {
        var s = (OutgoingMailServer)new ServerSpec { Name = "relay", Username = "apikey", HostName = "smtp.relay.example", Authentication = ServerAuthentication.Password, Encryption = SmtpEncryption.Ssl }.CreateServer();
        Assert.Equal(465, s.Port);
        Assert.Null(FirstProblem(s));
        Assert.Equal("", s.FromFilter); // no default filter for non-Outlook servers
    }

    [Fact]
    public void Outlook_incoming_server_needs_ssl()
    {
        var s = new ServerSpec { Username = "jane@example.com", Direction = MailServerDirection.Incoming, Ssl = false }.CreateServer();
        Assert.Equal("OutlookRequiresSsl", FirstProblem(s));
    }

    [Theory]
    [InlineData("jane@example.com", null)]
    [InlineData("example.com", null)]
    [InlineData(" jane@example.com , example.org ", null)]
    [InlineData("bücher.example", null)]
    [InlineData("jane@", "InvalidFromFilter")]
    [InlineData("example", "InvalidFromFilter")]
    [InlineData("jane@example.com,not a domain", "InvalidFromFilter")]
    [InlineData("a@b@example.com", "InvalidFromFilter")]
    public void Every_from_filter_entry_is_an_address_or_a_domain(string filter, string? expected)
    {
        var s = Outlook();
        s.FromFilter = filter;
        Assert.Equal(expected, FirstProblem(s));
    }

    [Fact]
    public void From_filter_entries_are_trimmed_on_save()
    {
        var s = Outlook();
        s.FromFilter = " jane@example.com ,, example.org ";
        ServerRules.Normalize(s);
        Assert.Equal("jane@example.com,example.org", s.FromFilter);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-1)]
    public void Ports_are_1_to_65535(int port)
    {
        var s = Outlook();
        s.Port = port;
        Assert.Equal("InvalidPort", FirstProblem(s));
    }

    [Theory]
    [InlineData("mail.catchall.domain", "example.com", true)]
    [InlineData("mail.catchall.domain", "münchen.example", true)]
    [InlineData("mail.catchall.domain", "notifications@example.com", false)]
    [InlineData("mail.catchall.domain", "example", false)]
    [InlineData("mail.default.from", "notifications", true)]
    [InlineData("mail.default.from", "notifications@example.com", true)]
    [InlineData("mail.default.from", "no tifications", false)]
    [InlineData("mail.bounce.alias", "bounce", true)]
    [InlineData("mail.bounce.alias", "bounce@example.com", false)]
    [InlineData("mail.catchall.alias", "catchall", true)]
    [InlineData("mail.catchall.alias", "catch all", false)]
    [InlineData("web.base.url", "https://odoo.example.com", true)]
    [InlineData("web.base.url", "http://localhost:8069", true)]
    [InlineData("web.base.url", "odoo.example.com", false)]
    [InlineData("web.base.url", "ftp://odoo.example.com", false)]
    [InlineData("microsoft_outlook.endpoint", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/", true)]
    [InlineData("microsoft_outlook.endpoint", "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0", false)]
    [InlineData("microsoft_outlook.endpoint", "http://login.microsoftonline.com/x/oauth2/v2.0/", false)]
    [InlineData("my.own.key", "anything at all", true)]
    public void Known_parameters_are_validated_and_unknown_ones_allowed(string key, string value, bool valid)
    {
        var error = Record.Exception(() => ServerRules.ValidateParameter(key, value));
        if (valid) Assert.Null(error);
        else Assert.Equal(key, Assert.IsType<ConfigurationValidationException>(error).Field);
    }

    [Fact]
    public void Names_are_unique_per_direction_case_insensitive()
    {
        var config = new OutlookConfiguration();
        config.OutgoingServers.Add(Outlook("a@example.com"));
        var dup = Outlook("A@EXAMPLE.COM");
        config.OutgoingServers.Add(dup);
        config.IncomingServers.Add((IncomingMailServer)new ServerSpec { Username = "a@example.com", Direction = MailServerDirection.Incoming }.CreateServer());
        var problems = ServerRules.CheckAll(config);
        Assert.Single(problems, p => p.ErrorId == "DuplicateServerName");
    }

    [Fact]
    public void Options_of_the_other_direction_are_refused()
    {
        var e = Assert.Throws<ConfigurationValidationException>(() =>
            new ServerSpec { Username = "a@example.com", Direction = MailServerDirection.Incoming, FromFilter = "a@example.com" }.CreateServer());
        Assert.Equal("ParameterNotForDirection", e.ErrorId);
    }

    [Fact]
    public void Domains_are_normalized_to_idna_and_lower_case()
    {
        Assert.Equal("xn--bcher-kva.example", MailSyntax.NormalizeDomain("Bücher.Example"));
        Assert.Equal("jane@xn--bcher-kva.example", MailSyntax.NormalizeAddress("Jane@BÜCHER.example"));
        Assert.Null(MailSyntax.NormalizeAddress("jane doe@example.com"));
    }
}
