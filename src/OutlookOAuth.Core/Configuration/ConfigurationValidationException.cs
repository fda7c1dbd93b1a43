namespace OutlookOAuth.Configuration;

/// <summary>A value breaks a rule (for example an Outlook outgoing server without STARTTLS).</summary>
public sealed class ConfigurationValidationException : OutlookOAuthException
{
    /// <param name="errorId">A stable id, e.g. OutlookRequiresStartTls, DuplicateServerName, InvalidFromFilter, ServerNotFound.</param>
    /// <param name="kind">InvalidData; NotFound when the value names something that does not exist.</param>
    public ConfigurationValidationException(string errorId, string field, string message, string? hint = null, FailureKind kind = FailureKind.InvalidData)
        : base(errorId, kind, message, hint) => Field = field;

    /// <summary>The field concerned, e.g. FromFilter, Port, mail.catchall.domain.</summary>
    public string Field { get; }
}
