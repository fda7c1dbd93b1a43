namespace OutlookOAuth.Mail.Sending;

/// <summary>The priority of a composed message (X-Priority, Priority and Importance headers).</summary>
public enum MailPriority { Normal, Low, High }
