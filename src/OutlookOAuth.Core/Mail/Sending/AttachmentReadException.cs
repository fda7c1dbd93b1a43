namespace OutlookOAuth.Mail.Sending;

/// <summary>An attachment's file failed while it was read into the message being sent (a local disk or file error, not
/// the network): <see cref="MailSender"/> reports it as such and never retries it.</summary>
internal sealed class AttachmentReadException(string path, IOException inner)
    : OutlookOAuthException("AttachmentUnreadable", FailureKind.Read, $"The attachment '{path}' could not be read: {inner.Message}", inner: inner)
{
    public string Path { get; } = path;
}
