using System.Text;
using OutlookOAuth.Configuration;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

public class SerializerTests
{
    internal static OutlookConfiguration Sample()
    {
        var c = new OutlookConfiguration();
        c.Application.ClientId = "3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f";
        c.Application.Tenant = "contoso.onmicrosoft.com";
        c.Application.SecretExpiresOn = new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero);
        c.Parameters["mail.default.from"] = "notifications";
        c.Parameters["mail.catchall.domain"] = "example.com";
        c.Parameters["odd: key"] = "value with \"quotes\", a # and ünïcode";
        c.Parameters["looks.like.bool"] = "yes";
        c.Parameters["looks.like.number"] = "0042";
        foreach (var user in new[] { "notifications@example.com", "john@example.com", "jane@example.com" })
        {
            var s = (OutgoingMailServer)new ServerSpec { Username = user }.CreateServer();
            ServerRules.Normalize(s);
            c.OutgoingServers.Add(s);
        }
        c.OutgoingServers.Add(new OutgoingMailServer { Name = "relay: mass mailing", Username = "apikey", HostName = "smtp.relay.example", Port = 2525, Encryption = SmtpEncryption.Ssl, Authentication = ServerAuthentication.Password, Sequence = 50, Active = false });
        c.IncomingServers.Add((IncomingMailServer)new ServerSpec { Username = "support@example.com", Direction = MailServerDirection.Incoming, Priority = 1 }.CreateServer());
        return c;
    }

    [Fact]
    public void Every_application_field_is_read_back_together()
    {
        // Each key of the application section has its own duplicate-key bit: two keys sharing one made the second a "duplicate".
        var c = new OutlookConfiguration();
        c.Application.ClientId = "3f6f2c1a-8b1e-4c1a-9d5e-0a1b2c3d4e5f";
        c.Application.Authority = "https://login.example/tenant/oauth2/v2.0/";
        c.Application.RedirectUri = "http://localhost";
        c.Application.ClientSecretEnvironmentVariable = "SECRET";
        c.Application.CertificatePath = "/etc/app.pfx";
        c.Application.CertificateThumbprint = "ABCDEF";
        c.Application.SecretExpiresOn = new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero);
        c.Application.ManagedIdentity = "system";
        c.Application.SecretKeyId = "0b9c7a8e-1f2d-4e3c-9a8b-7c6d5e4f3a2b";
        var back = ConfigurationSerializer.Parse(ConfigurationSerializer.Serialize(c), "app.yaml").Application;
        Assert.Equal(("system", "0b9c7a8e-1f2d-4e3c-9a8b-7c6d5e4f3a2b", "ABCDEF", "SECRET"),
            (back.ManagedIdentity, back.SecretKeyId, back.CertificateThumbprint, back.ClientSecretEnvironmentVariable));
    }

    [Fact]
    public void Round_trip_keeps_every_field_and_the_same_bytes()
    {
        var text = ConfigurationSerializer.Serialize(Sample());
        var back = ConfigurationSerializer.Parse(text, "sample.yaml");
        Assert.Equal(text, ConfigurationSerializer.Serialize(back));
        Assert.Equal(4, back.OutgoingServers.Count);
        var relay = back.OutgoingServers[3];
        Assert.Equal(("relay: mass mailing", "apikey", "smtp.relay.example", 2525, SmtpEncryption.Ssl, ServerAuthentication.Password, 50, false),
            (relay.Name, relay.Username, relay.HostName, relay.Port, relay.Encryption, relay.Authentication, relay.Sequence, relay.Active));
        Assert.Equal("value with \"quotes\", a # and ünïcode", back.Parameters["odd: key"]);
        Assert.Equal("yes", back.Parameters["looks.like.bool"]);
        Assert.Equal("0042", back.Parameters["looks.like.number"]);
        Assert.Equal(new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero), back.Application.SecretExpiresOn);
        Assert.Equal("contoso.onmicrosoft.com", back.Application.Tenant);
        Assert.Equal(1, back.IncomingServers[0].Priority);
    }

    [Fact]
    public void Output_has_a_header_with_the_module_version_and_a_fixed_key_order()
    {
        var text = ConfigurationSerializer.Serialize(Sample());
        var lines = text.Split('\n');
        Assert.StartsWith("# OutlookOAuth configuration, schema version 1, written by OutlookOAuth " + ConfigurationSerializer.ModuleVersion, lines[0]);
        var top = lines.Where(l => l.Length > 0 && char.IsLetter(l[0])).Select(l => l.Split(':')[0]).ToArray();
        Assert.Equal(new[] { "version", "application", "parameters", "outgoingServers", "incomingServers" }, top);
        var firstServer = lines.SkipWhile(l => l != "outgoingServers:").Skip(1).Take(9).Select(l => l.TrimStart('-', ' ').Split(':')[0]).ToArray();
        Assert.Equal(new[] { "name", "username", "fromFilter", "host", "port", "encryption", "authentication", "sequence", "active" }, firstServer);
        var parameterLines = lines.SkipWhile(l => l != "parameters:").Skip(1).TakeWhile(l => l.StartsWith("  ")).ToArray();
        var keys = Sample().Parameters.Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(keys.Length, parameterLines.Length);
        for (var i = 0; i < keys.Length; i++) Assert.StartsWith("  " + ConfigurationSerializer.Quote(keys[i]) + ": ", parameterLines[i]);
    }

    [Fact]
    public void Servers_keep_their_order_and_parameters_are_sorted_whatever_the_insertion_order()
    {
        var a = Sample();
        var b = Sample();
        b.Parameters.Clear();
        foreach (var (k, v) in a.Parameters.Reverse()) b.Parameters[k] = v;
        Assert.Equal(ConfigurationSerializer.Serialize(a), ConfigurationSerializer.Serialize(b));
        var reversed = b.OutgoingServers.Reverse().ToList();
        b.OutgoingServers.Clear();
        b.OutgoingServers.AddRange(reversed);
        Assert.NotEqual(ConfigurationSerializer.Serialize(a), ConfigurationSerializer.Serialize(b));
        Assert.Equal("jane@example.com", ConfigurationSerializer.Parse(ConfigurationSerializer.Serialize(b), "b").OutgoingServers[1].Name);
    }

    [Fact]
    public void Empty_configuration_serializes_to_a_loadable_file()
    {
        var text = ConfigurationSerializer.Serialize(new OutlookConfiguration());
        Assert.Contains("outgoingServers: []\n", text);
        var back = ConfigurationSerializer.Parse(text, "empty.yaml");
        Assert.Empty(back.AllServers);
        Assert.True(back.Application.IsEmpty);
    }

    [Theory]
    [InlineData("true")] [InlineData("No")] [InlineData("null")] [InlineData("~")] [InlineData("")] [InlineData("123")]
    [InlineData("1e3")] [InlineData("- x")] [InlineData("#x")] [InlineData("a: b")] [InlineData("x #y")] [InlineData(" lead")]
    [InlineData("trail ")] [InlineData("line\nbreak")] [InlineData("tab\there")] [InlineData("@at")] [InlineData("'q'")]
    [InlineData("back\\slash")] [InlineData("\u0001ctl")] [InlineData("ü")] [InlineData("0x1F")] [InlineData("[x]")] [InlineData("{x}")]
    public void Any_string_value_survives_the_round_trip(string value)
    {
        var c = new OutlookConfiguration();
        c.Parameters["k"] = value;
        var back = ConfigurationSerializer.Parse(ConfigurationSerializer.Serialize(c), "v.yaml");
        if (value.Length == 0) Assert.Equal("", back.Parameters.GetValueOrDefault("k") ?? "");
        else Assert.Equal(value, back.Parameters["k"]);
    }

    [Fact]
    public void Secrets_have_no_place_in_the_schema()
    {
        var text = "version: 1\napplication:\n  clientId: x\n  clientSecret: s3cr3t\n";
        var e = Assert.Throws<ConfigurationFileException>(() => ConfigurationSerializer.Parse(text, "s.yaml"));
        Assert.Equal((4L, 3L), (e.Line, e.Column));
        Assert.DoesNotContain("clientSecret", ConfigurationSerializer.Serialize(Sample()));
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_line_ends_are_accepted_on_read()
    {
        using var dir = new TempDirectory();
        var path = dir.File("c.yaml");
        var text = ConfigurationSerializer.Serialize(Sample()).Replace("\n", "\r\n");
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(4, new ConfigurationStore(path).Load().OutgoingServers.Count);
    }

    public static TheoryData<string, string, string> HandWritten() => new()
    {
        { "# hand-written\nversion: 1\n\nparameters:\n    mail.default.from:   notifications   \n    x: \"a\\u00e9\\\"b\"\noutgoingServers:\n  - name: a@example.com\n    port: 25\n    active: false\nincomingServers:\n", "notifications", "a\u00e9\"b" },
        { "version: 1\r\nparameters:\r\n  mail.default.from: v\r\n  x: 'single ''quoted'''\r\n", "v", "single 'quoted'" },
        { "---\nversion: 1 # trailing comment\nparameters: {mail.default.from: flow, x: y}\n", "flow", "y" },
        { "version: 1\nparameters:\n  mail.default.from: literal\n  x: |\n    block\n", "literal", "block\n" },
    };

    [Theory]
    [MemberData(nameof(HandWritten))]
    public void Hand_written_yaml_beyond_what_the_module_writes_is_read(string text, string from, string x)
    {
        var c = ConfigurationSerializer.Parse(text, "f.yaml");
        Assert.Equal(from, c.Parameters["mail.default.from"]);
        Assert.Equal(x, c.Parameters["x"]);
        var saved = ConfigurationSerializer.Serialize(c);
        Assert.Equal(saved, ConfigurationSerializer.Serialize(ConfigurationSerializer.Parse(saved, "g.yaml")));
    }

    [Fact]
    public void Lists_at_the_key_column_and_empty_values_are_read_and_indexed()
    {
        var c = ConfigurationSerializer.Parse("version: 1\noutgoingServers:\n- name: a\n  port: 1\n- name: b\n  username:\n  host: h\n", "f.yaml");
        Assert.Equal(new[] { "a", "b" }, c.OutgoingServers.Select(s => s.Name));
        Assert.Equal("", c.OutgoingServers[1].Username);
        Assert.Equal("h", c.OutgoingServers[1].HostName);
        Assert.Same(c.OutgoingServers[1], c.Find("B", MailServerDirection.Outgoing));
    }
}
