using System.Text;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Selection;

/// <summary>A sender given as text is not one RFC 5322 mailbox.</summary>
public sealed class InvalidMailboxException : OutlookOAuthException
{
    public InvalidMailboxException(string value, string reason)
        : base("InvalidSender", FailureKind.InvalidArgument, $"'{value}' is not a valid sender: {reason}")
    {
        Value = value;
        Reason = reason;
    }

    /// <summary>The text that was given.</summary>
    public string Value { get; }
    public string Reason { get; }
}
