namespace OutlookOAuth.Graph;

/// <summary>A Graph call as -WhatIf lists it: "POST /applications", and why it would be made.</summary>
public sealed record GraphCall(string Method, string Path, string? Purpose)
{
    public override string ToString() => Purpose is null ? $"{Method} /{Path}" : $"{Method} /{Path} ({Purpose})";
}
