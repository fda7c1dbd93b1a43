using System.Text;

namespace OutlookOAuth.Mail;

/// <summary>The SASL XOAUTH2 initial response: base64("user=&lt;username&gt;\u0001auth=Bearer &lt;token&gt;\u0001\u0001").</summary>
public static class XOAuth2
{
    public const string Mechanism = "XOAUTH2";

    public static string InitialResponse(string username, string accessToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        ArgumentException.ThrowIfNullOrWhiteSpace(accessToken);
        if (username.Contains('\u0001') || accessToken.Contains('\u0001') || accessToken.Any(char.IsWhiteSpace))
            throw new ArgumentException("The username or token contains a forbidden character.");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={username}\u0001auth=Bearer {accessToken}\u0001\u0001"));
    }

    /// <summary>Decodes a server challenge (the JSON error of a failed XOAUTH2 exchange); null when it is not base64 text.</summary>
    public static string? DecodeChallenge(string base64)
    {
        if (string.IsNullOrWhiteSpace(base64)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
            return text.Any(c => char.IsControl(c) && c is not ('\r' or '\n' or '\t')) ? null : text;
        }
        catch (FormatException) { return null; }
    }
}
