using System.Text;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

public class XOAuth2Tests
{
    [Fact]
    public void Initial_response_is_the_documented_SASL_string()
    {
        var b64 = XOAuth2.InitialResponse("alice@example.com", "eyJ0.eyJ1.sig");
        Assert.Equal("user=alice@example.com\u0001auth=Bearer eyJ0.eyJ1.sig\u0001\u0001", Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
        var bytes = Convert.FromBase64String(b64);
        Assert.Equal([0x01, (byte)'a'], bytes[22..24]); // "user=alice@example.com" is 22 bytes, then ^A and "auth="
        Assert.Equal([(byte)'g', 0x01, 0x01], bytes[^3..]);
        // The example of Microsoft's documentation.
        Assert.Equal("dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNCQUFVRkZwVUFvN0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ==",
            XOAuth2.InitialResponse("test@contoso.onmicrosoft.com", "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"));
    }

    [Theory]
    [InlineData("alice\u0001@example.com", "token")]
    [InlineData("alice@example.com", "tok en")]
    [InlineData("alice@example.com", "tok\u0001en")]
    [InlineData("", "token")]
    public void Refuses_values_that_would_break_the_SASL_string(string user, string token) =>
        Assert.ThrowsAny<ArgumentException>(() => XOAuth2.InitialResponse(user, token));

    [Fact]
    public void Decodes_the_error_challenge()
    {
        Assert.Equal("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}",
            XOAuth2.DecodeChallenge("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0="));
        Assert.Null(XOAuth2.DecodeChallenge("not base64!"));
        Assert.Null(XOAuth2.DecodeChallenge(""));
    }
}

public class TranscriptRedactionTests
{
    const string Jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJhbGljZUBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl";

    [Fact]
    public void Known_secrets_are_masked()
    {
        var line = TranscriptRedaction.Redact("AUTH XOAUTH2 abc.def", ["abc.def"]);
        Assert.Equal("AUTH XOAUTH2 <redacted>", line);
    }

    [Fact]
    public void Bearer_tokens_and_long_base64_are_masked_even_when_unknown()
    {
        Assert.Equal("auth=Bearer <redacted>", TranscriptRedaction.Redact("auth=Bearer " + Jwt));
        var sasl = XOAuth2.InitialResponse("alice@example.com", Jwt);
        Assert.Equal("A0001 AUTHENTICATE XOAUTH2 <redacted>", TranscriptRedaction.Redact("A0001 AUTHENTICATE XOAUTH2 " + sasl));
        Assert.DoesNotContain("eyJ", TranscriptRedaction.Redact("token " + Jwt));
    }

    [Fact]
    public void Ordinary_protocol_lines_are_left_alone()
    {
        foreach (var line in new[] { "250-smtp.office365.com Hello [192.0.2.1]", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", "* OK [UIDVALIDITY 3857529045] UIDs valid", "MAIL FROM:<alice@example.com>" })
            Assert.Equal(line, TranscriptRedaction.Redact(line));
    }

    [Fact]
    public void Control_characters_are_made_visible() =>
        Assert.Equal("a\\x1b[31mb\\x00", TranscriptRedaction.Printable("a\x1b[31mb\0"));
}
