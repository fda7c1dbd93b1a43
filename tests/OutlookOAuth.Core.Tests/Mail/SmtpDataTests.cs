using System.Text;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

public class SmtpDataTests
{
    static string Encode(string message) => Encoding.ASCII.GetString(SmtpData.Encode(Encoding.ASCII.GetBytes(message)));

    [Theory]
    [InlineData("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n")]
    [InlineData("no final line break", "no final line break\r\n.\r\n")]
    [InlineData(".starts with a dot\r\n", "..starts with a dot\r\n.\r\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r\n..two\r\n", "a\r\n...two\r\n.\r\n")]
    [InlineData("not .at start\r\n", "not .at start\r\n.\r\n")]
    [InlineData("bare\nlf\n.dot\n", "bare\r\nlf\r\n..dot\r\n.\r\n")]
    [InlineData("bare\rcr\r.dot", "bare\r\ncr\r\n..dot\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    public void Dot_stuffs_and_normalizes_line_ends(string message, string expected) => Assert.Equal(expected, Encode(message));

    [Fact]
    public void The_content_can_never_end_the_data_phase_early()
    {
        var encoded = Encode("x\r\n.\r\n.\r\nQUIT\r\n");
        Assert.Equal(encoded.Length - 3, encoded.IndexOf("\r\n.\r\n", StringComparison.Ordinal) + 2);
    }
}
