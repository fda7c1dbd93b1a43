namespace OutlookOAuth.Mail.Sending;

/// <summary>The message is larger than the SIZE the server advertised: found before MAIL FROM, nothing was sent.</summary>
internal sealed class MessageTooLargeException(long size, uint limit)
    : OutlookOAuthException("MessageTooLarge", FailureKind.LimitsExceeded, $"The message is {size:N0} bytes; the server accepts at most {limit:N0} bytes.")
{
    public long Size { get; } = size;
    public uint Limit { get; } = limit;
}
