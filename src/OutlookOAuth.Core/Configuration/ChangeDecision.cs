namespace OutlookOAuth.Configuration;

/// <summary>What a caller decided about a validated change (the cmdlets' ShouldProcess).</summary>
public enum ChangeDecision
{
    /// <summary>Record it: saved by <see cref="ConfigurationBatch.Save"/>.</summary>
    Save,
    /// <summary>-WhatIf: not saved, but later changes of the batch see it, as they would in the real run.</summary>
    Preview,
    /// <summary>Declined (-Confirm answered No): as if it had never been asked for.</summary>
    Skip,
}
