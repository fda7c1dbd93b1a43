namespace OutlookOAuth.Configuration;

/// <summary>A system parameter as output by Get-MailSystemParameter.</summary>
public sealed class MailSystemParameter
{
    public MailSystemParameter(string name, string value, string? configPath)
    {
        Name = name;
        Value = value;
        ConfigPath = configPath;
        IsKnown = SystemParameters.Known.Contains(name);
        Problem = SystemParameters.Validate(name, value);
    }

    public string Name { get; }
    public string Value { get; }
    /// <summary>True for the parameters this module knows and validates.</summary>
    public bool IsKnown { get; }
    /// <summary>Why the value is invalid (a hand-edited file), or null.</summary>
    public string? Problem { get; }
    public string? ConfigPath { get; }

    public override string ToString() => $"{Name}={Value}";
}
