namespace OutlookOAuth.Mail.Sending;

/// <summary>A recipient the server refused at RCPT TO, with its reply.</summary>
public sealed record RefusedRecipient(string Address, int StatusCode, string Reply)
{
    public override string ToString() => $"{Address} ({StatusCode} {Reply})";
}
