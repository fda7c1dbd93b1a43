namespace OutlookOAuth.Selection;

/// <summary>One problem found by <see cref="ConfigurationDoctor"/>. Rules are documented in docs/configuration-checks.md.</summary>
public sealed class ConfigurationFinding
{
    public ConfigurationFinding(string ruleId, FindingSeverity severity, FindingTargetType targetType, string? target, string message, string fix)
    {
        RuleId = ruleId;
        Severity = severity;
        TargetType = targetType;
        Target = target;
        Message = message;
        Fix = fix;
    }

    /// <summary>Stable id, OOC001..</summary>
    public string RuleId { get; }
    public FindingSeverity Severity { get; }
    public FindingTargetType TargetType { get; }
    /// <summary>The server name or parameter key concerned; null for the configuration as a whole.</summary>
    public string? Target { get; }
    public string Message { get; }
    /// <summary>What to do about it.</summary>
    public string Fix { get; }

    public override string ToString() => $"{RuleId} {Severity}: {Message}";
}
