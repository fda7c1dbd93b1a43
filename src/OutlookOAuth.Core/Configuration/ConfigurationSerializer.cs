using System.Globalization;
using System.Reflection;
using System.Text;
using YamlDotNet.Core;

namespace OutlookOAuth.Configuration;

/// <summary>
/// Reads and writes the YAML configuration (schema v1). Reading is strict (<see cref="ConfigurationReader"/> on
/// YamlDotNet): malformed YAML, a wrong type, an unknown or repeated key stops with a
/// <see cref="ConfigurationFileException"/> naming file, line and column.
/// Writing is deterministic: fixed key order, servers in their order, parameters sorted, so an unchanged
/// configuration saves to identical bytes.
/// </summary>
public static class ConfigurationSerializer
{
    public static string ModuleVersion { get; } =
        typeof(ConfigurationSerializer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ConfigurationSerializer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // ---------------------------------------------------------------- reading

    /// <summary>Reads the text of <paramref name="filePath"/> strictly (<see cref="ConfigurationReader"/>).</summary>
    /// <exception cref="ConfigurationFileException">malformed YAML or breaking the format (file:line:column).</exception>
    public static OutlookConfiguration Parse(string text, string filePath)
    {
        var reader = new ConfigurationReader(new Parser(new StringReader(text)), filePath);
        try
        {
            return reader.ReadFile();
        }
        catch (YamlException e)
        {
            var (line, column) = (e.Start.Line, e.Start.Column);
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstTabIndentedLine(text) is { } tabLine)
                (line, column) = (tabLine, 1); // YamlDotNet reports tab indentation at 1:1
            throw new ConfigurationFileException(filePath, line, column, "malformed YAML: " + StripPosition(e.Message), e);
        }
    }

    static int? FirstTabIndentedLine(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].TrimStart(' ').StartsWith('\t')) return i + 1;
        return null;
    }

    static string StripPosition(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 40) - (Line: 3, Col: 6, Idx: 41): ".
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i > 0 ? message[(i + 3)..] : message;
    }

    // ---------------------------------------------------------------- writing

    public static string Serialize(OutlookConfiguration config)
    {
        var w = new StringBuilder(256 + 200 * (config.OutgoingServers.Count + config.IncomingServers.Count));
        w.Append("# OutlookOAuth configuration, schema version ").Append(OutlookConfiguration.CurrentVersion)
         .Append(", written by OutlookOAuth ").Append(ModuleVersion).Append('\n');
        w.Append("# Secrets (client secret, tokens, passwords) are never stored in this file.\n");
        w.Append("version: ").Append(config.Version.ToString(CultureInfo.InvariantCulture)).Append('\n');

        var app = config.Application;
        w.Append("application:\n");
        Field(w, "  ", "clientId", app.ClientId);
        Field(w, "  ", "tenant", app.Tenant);
        Field(w, "  ", "authority", app.Authority);
        Field(w, "  ", "redirectUri", app.RedirectUri);
        Field(w, "  ", "clientSecretEnvironmentVariable", app.ClientSecretEnvironmentVariable);
        Field(w, "  ", "certificatePath", app.CertificatePath);
        Field(w, "  ", "certificateThumbprint", app.CertificateThumbprint);
        Field(w, "  ", "managedIdentity", app.ManagedIdentity);
        Field(w, "  ", "secretExpiresOn", app.SecretExpiresOn?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
        Field(w, "  ", "secretKeyId", app.SecretKeyId);

        if (config.Parameters.Count == 0) w.Append("parameters: {}\n");
        else
        {
            w.Append("parameters:\n");
            foreach (var (key, value) in config.Parameters) // SortedDictionary, ordinal: fixed order
                w.Append("  ").Append(Quote(key)).Append(": ").Append(Quote(value)).Append('\n');
        }

        if (config.OutgoingServers.Count == 0) w.Append("outgoingServers: []\n");
        else
        {
            w.Append("outgoingServers:\n");
            foreach (var s in config.OutgoingServers)
            {
                Field(w, "- ", "name", s.Name);
                Field(w, "  ", "username", s.Username);
                Field(w, "  ", "fromFilter", s.FromFilter);
                Field(w, "  ", "host", s.HostName);
                Int(w, "port", s.Port);
                Field(w, "  ", "encryption", s.Encryption switch { SmtpEncryption.None => "none", SmtpEncryption.Ssl => "ssl", _ => "starttls" });
                Field(w, "  ", "authentication", s.Authentication == ServerAuthentication.Password ? "password" : "outlook");
                Int(w, "sequence", s.Sequence);
                Field(w, "  ", "active", s.Active ? "true" : "false", raw: true);
            }
        }

        if (config.IncomingServers.Count == 0) w.Append("incomingServers: []\n");
        else
        {
            w.Append("incomingServers:\n");
            foreach (var s in config.IncomingServers)
            {
                Field(w, "- ", "name", s.Name);
                Field(w, "  ", "username", s.Username);
                Field(w, "  ", "host", s.HostName);
                Int(w, "port", s.Port);
                Field(w, "  ", "ssl", s.Ssl ? "true" : "false", raw: true);
                Int(w, "priority", s.Priority);
                Field(w, "  ", "active", s.Active ? "true" : "false", raw: true);
            }
        }
        return w.ToString();
    }

    static void Field(StringBuilder w, string indent, string key, string? value, bool raw = false)
    {
        if (value is null) return;
        w.Append(indent).Append(key).Append(':');
        if (value.Length > 0) w.Append(' ').Append(raw ? value : Quote(value));
        else w.Append(" \"\"");
        w.Append('\n');
    }

    static void Int(StringBuilder w, string key, int value) =>
        w.Append("  ").Append(key).Append(": ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>A plain scalar when it cannot be mistaken for anything else, otherwise double-quoted.</summary>
    internal static string Quote(string value) => NeedsQuotes(value) ? DoubleQuoted(value) : value;

    static bool NeedsQuotes(string v)
    {
        if (v.Length == 0) return true;
        if (v[0] is ' ' or '-' or '?' or ':' or ',' or '[' or ']' or '{' or '}' or '#' or '&' or '*' or '!' or '|' or '>' or '\'' or '"' or '%' or '@' or '`')
            return true;
        if (v[^1] is ' ' or ':') return true;
        foreach (var c in v)
            if (c < 0x20 || c == 0x7f || c is '"' or '\\' || c > 0x7e) return true;
        if (v.Contains(": ", StringComparison.Ordinal) || v.Contains(" #", StringComparison.Ordinal)) return true;
        // Words and numbers a YAML reader would not take as a string.
        switch (v.ToLowerInvariant())
        {
            case "true": case "false": case "yes": case "no": case "on": case "off": case "y": case "n":
            case "null": case "~": case ".nan": case ".inf": case "-.inf": case "+.inf":
                return true;
        }
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ||
               (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || v.StartsWith("0o", StringComparison.OrdinalIgnoreCase));
    }

    static string DoubleQuoted(string v)
    {
        var b = new StringBuilder(v.Length + 2).Append('"');
        foreach (var c in v)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7f) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }
}
