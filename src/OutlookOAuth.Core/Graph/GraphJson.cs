using System.Text.Json.Nodes;

namespace OutlookOAuth.Graph;

/// <summary>Small readers over Graph's JSON answers (missing or mistyped members read as null / empty).</summary>
public static class GraphJson
{
    public static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool? Bool(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static IEnumerable<JsonObject> Items(JsonNode? node, string name = "value") =>
        node is JsonObject o && o[name] is JsonArray a ? a.OfType<JsonObject>() : Enumerable.Empty<JsonObject>();

    public static IEnumerable<string> Strings(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonArray a ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>() : Enumerable.Empty<string>();

    public static DateTimeOffset? Date(JsonNode? node, string name) =>
        Str(node, name) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>A string for an OData filter literal: single quotes doubled.</summary>
    public static string Literal(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>A path segment: escaped.</summary>
    public static string Segment(string s) => s.StartsWith('<') ? s : Uri.EscapeDataString(s); // a -WhatIf placeholder stays readable
}
