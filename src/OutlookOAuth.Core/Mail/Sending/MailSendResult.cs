namespace OutlookOAuth.Mail.Sending;

/// <summary>A message the server accepted (its reply to the end of DATA): who it went to and how it left.</summary>
public sealed class MailSendResult
{
    public required string MessageId { get; init; }
    /// <summary>The name of the outgoing server that sent it.</summary>
    public required string Server { get; init; }
    /// <summary>The From header as sent (rewritten to the notifications address when the sender has no server of its own).</summary>
    public required string From { get; init; }
    /// <summary>True when From is no longer the sender's address.</summary>
    public bool FromRewritten { get; init; }
    /// <summary>The sender as given.</summary>
    public required string Sender { get; init; }
    /// <summary>MAIL FROM (the Return-Path the recipients see).</summary>
    public required string EnvelopeFrom { get; init; }
    public string? Subject { get; init; }
    public IReadOnlyList<string> Accepted { get; init; } = [];
    public IReadOnlyList<RefusedRecipient> Refused { get; init; } = [];
    /// <summary>The server's final reply to the message data (e.g. "2.0.0 Ok: queued as 4Xyz").</summary>
    public required string Reply { get; init; }
    public DateTimeOffset SentOn { get; init; }
    /// <summary>The configuration file, so the next cmdlet can bind -ConfigPath.</summary>
    public string? ConfigPath { get; init; }

    public override string ToString() => $"{MessageId} via {Server}: {Accepted.Count} accepted, {Refused.Count} refused";
}
