using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>A finished test as <see cref="ConnectionTestRunner"/> outputs it: the result and the server it tested (the
/// TargetObject of the cmdlet's error when it failed).</summary>
public sealed record ConnectionTestOutcome(MailServer Server, ConnectionTestResult Result);
