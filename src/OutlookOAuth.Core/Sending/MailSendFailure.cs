namespace OutlookOAuth.Sending;

/// <summary>How a failed message is classified for PowerShell's ErrorCategory.</summary>
public enum MailSendFailure { InvalidInput, NoServer, Refused, Authentication, Throttled, Connection, DeliveryUnknown }
