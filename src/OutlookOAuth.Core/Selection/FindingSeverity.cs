namespace OutlookOAuth.Selection;

public enum FindingSeverity { Error, Warning, Info }
