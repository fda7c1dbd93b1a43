namespace OutlookOAuth.Selection;

/// <summary>What a finding is about.</summary>
public enum FindingTargetType { Configuration, OutgoingServer, IncomingServer, Parameter, Application, Tenant }
