using System.Globalization;
using System.Reflection;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace OutlookOAuth.Configuration;

/// <summary>
/// Reads and writes the YAML configuration (schema v1). Reading is strict: malformed YAML, a wrong type, an
/// unknown or repeated key stops with a <see cref="ConfigurationFileException"/> naming file, line and column.
/// Writing is deterministic: fixed key order, servers in their order, parameters sorted, so an unchanged
/// configuration saves to identical bytes.
/// </summary>
public static class ConfigurationSerializer
{
    public static string ModuleVersion { get; } =
        typeof(ConfigurationSerializer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ConfigurationSerializer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // ---------------------------------------------------------------- reading

    public static OutlookConfiguration Parse(string text, string filePath) => Parse(text, filePath, allowFastPath: true);

    /// <summary><paramref name="allowFastPath"/> false forces YamlDotNet's parser (tests compare both).</summary>
    internal static OutlookConfiguration Parse(string text, string filePath, bool allowFastPath)
    {
        var parser = (allowFastPath ? CanonicalYamlParser.TryParse(text) : null) ?? (IParser)new Parser(new StringReader(text));
        var reader = new Reader(parser, filePath);
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

    sealed class Reader(IParser parser, string filePath)
    {
        readonly IParser _parser = parser;

        ConfigurationFileException Error(Mark at, string reason) => new(filePath, at.Line, at.Column, reason);

        ParsingEvent Next()
        {
            if (!_parser.MoveNext()) throw Error(Mark.Empty, "unexpected end of file");
            var e = _parser.Current!;
            if (e is AnchorAlias) throw Error(e.Start, "YAML aliases (*name) are not supported in this file");
            if (e is NodeEvent { Anchor.IsEmpty: false } n) throw Error(e.Start, $"YAML anchors (&{n.Anchor}) are not supported in this file");
            if (e is NodeEvent { Tag.IsEmpty: false } t && !(t is Scalar)) throw Error(e.Start, $"YAML tags ({t.Tag}) are not supported in this file");
            return e;
        }

        T Expect<T>(string what) where T : ParsingEvent
        {
            var e = Next();
            return e as T ?? throw Error(e.Start, $"expected {what}, found {Describe(e)}");
        }

        static string Describe(ParsingEvent e) => e switch
        {
            Scalar s => s.Value.Length == 0 && s.Style == ScalarStyle.Plain ? "an empty value" : $"the value '{Trim(s.Value)}'",
            MappingStart => "a mapping (key: value lines)",
            SequenceStart => "a list",
            MappingEnd or SequenceEnd or DocumentEnd or StreamEnd => "the end of the block",
            DocumentStart => "a new YAML document",
            _ => e.GetType().Name,
        };

        static string Trim(string s) => s.Length > 40 ? s[..40] + "…" : s;

        public OutlookConfiguration ReadFile()
        {
            Expect<StreamStart>("the start of the file");
            var first = Next();
            if (first is StreamEnd) throw Error(first.Start, "the file is empty; expected a mapping starting with 'version: 1'");
            if (first is not DocumentStart) throw Error(first.Start, $"expected a YAML document, found {Describe(first)}");
            var root = Next();
            if (root is not MappingStart) throw Error(root.Start, $"expected a mapping of keys (version, application, parameters, outgoingServers, incomingServers), found {Describe(root)}");

            var config = new OutlookConfiguration();
            Mark? versionAt = null;
            ReadMapping(root.Start, "the file", key =>
            {
                switch (key.Value)
                {
                    case "version":
                        versionAt = key.Start;
                        var (v, at) = ReadInt("version");
                        if (v != OutlookConfiguration.CurrentVersion)
                            throw Error(at, $"version {v} is not supported by OutlookOAuth {ModuleVersion}; this module reads version {OutlookConfiguration.CurrentVersion}");
                        config.Version = v;
                        return true;
                    case "application": ReadApplication(config.Application); return true;
                    case "parameters": ReadParameters(config.Parameters); return true;
                    case "outgoingServers": ReadServers(config.OutgoingServers, () => new OutgoingMailServer(), ReadOutgoingField); return true;
                    case "incomingServers": ReadServers(config.IncomingServers, () => new IncomingMailServer(), ReadIncomingField); return true;
                    default: return false;
                }
            });
            if (versionAt is null) throw Error(root.Start, "the key 'version' is missing (expected 'version: 1')");

            var end = Next();
            if (end is not DocumentEnd) throw Error(end.Start, $"unexpected {Describe(end)} after the configuration");
            var after = Next();
            if (after is not StreamEnd) throw Error(after.Start, "the file holds more than one YAML document");
            return config;
        }

        /// <summary>Reads "key: value" pairs until the mapping ends; <paramref name="onKey"/> consumes the value
        /// and returns false for an unknown key.</summary>
        void ReadMapping(Mark start, string where, Func<Scalar, bool> onKey)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var e = Next();
                if (e is MappingEnd) return;
                if (e is not Scalar key) throw Error(e.Start, $"expected a key in {where}, found {Describe(e)}");
                if (!seen.Add(key.Value)) throw Error(key.Start, $"the key '{key.Value}' appears twice in {where}");
                if (!onKey(key)) throw Error(key.Start, $"unknown key '{key.Value}' in {where}");
            }
        }

        Scalar ReadScalar(string field)
        {
            var e = Next();
            return e as Scalar ?? throw Error(e.Start, $"'{field}' must be a single value, found {Describe(e)}");
        }

        static bool IsNull(Scalar s) => s.Style == ScalarStyle.Plain && (s.Value.Length == 0 || s.Value is "~" or "null" or "Null" or "NULL");

        string? ReadString(string field)
        {
            var s = ReadScalar(field);
            return IsNull(s) ? null : s.Value;
        }

        string ReadRequiredString(string field)
        {
            var s = ReadScalar(field);
            if (IsNull(s)) throw Error(s.Start, $"'{field}' needs a value");
            return s.Value;
        }

        (int, Mark) ReadInt(string field)
        {
            var s = ReadScalar(field);
            if (IsNull(s) || !int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw Error(s.Start, $"'{field}' must be a whole number, found {Describe(s)}");
            return (v, s.Start);
        }

        bool ReadBool(string field)
        {
            var s = ReadScalar(field);
            if (s.Style == ScalarStyle.Plain)
            {
                if (s.Value is "true" or "True" or "TRUE") return true;
                if (s.Value is "false" or "False" or "FALSE") return false;
            }
            throw Error(s.Start, $"'{field}' must be true or false, found {Describe(s)}");
        }

        TEnum ReadEnum<TEnum>(string field, params (string Text, TEnum Value)[] values)
        {
            var s = ReadScalar(field);
            foreach (var (t, v) in values)
                if (string.Equals(s.Value, t, StringComparison.OrdinalIgnoreCase)) return v;
            throw Error(s.Start, $"'{field}' must be one of {string.Join(", ", values.Select(v => v.Text))}, found {Describe(s)}");
        }

        void ReadApplication(OutlookApplicationSettings app)
        {
            var start = Expect<MappingStart>("a mapping for 'application'");
            ReadMapping(start.Start, "'application'", key =>
            {
                switch (key.Value)
                {
                    case "clientId": app.ClientId = ReadString("clientId"); return true;
                    case "tenant": app.Tenant = ReadString("tenant") ?? OutlookApplicationSettings.DefaultTenant; return true;
                    case "authority": app.Authority = ReadString("authority"); return true;
                    case "redirectUri": app.RedirectUri = ReadString("redirectUri"); return true;
                    case "clientSecretEnvironmentVariable": app.ClientSecretEnvironmentVariable = ReadString("clientSecretEnvironmentVariable"); return true;
                    case "certificatePath": app.CertificatePath = ReadString("certificatePath"); return true;
                    case "certificateThumbprint": app.CertificateThumbprint = ReadString("certificateThumbprint"); return true;
                    case "secretExpiresOn":
                        var s = ReadScalar("secretExpiresOn");
                        if (IsNull(s)) { app.SecretExpiresOn = null; return true; }
                        if (!DateTimeOffset.TryParse(s.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
                            throw Error(s.Start, $"'secretExpiresOn' must be a date such as 2027-06-30, found {Describe(s)}");
                        app.SecretExpiresOn = d;
                        return true;
                    default: return false;
                }
            });
        }

        void ReadParameters(IDictionary<string, string> parameters)
        {
            var start = Expect<MappingStart>("a mapping of system parameters (name: value)");
            ReadMapping(start.Start, "'parameters'", key =>
            {
                var value = ReadScalar(key.Value);
                if (!IsNull(value)) parameters[key.Value] = value.Value;
                return true;
            });
        }

        void ReadServers<TServer>(List<TServer> list, Func<TServer> create, Func<TServer, Scalar, bool> readField) where TServer : MailServer
        {
            var e = Next();
            if (e is Scalar s && IsNull(s)) return;
            if (e is not SequenceStart) throw Error(e.Start, $"expected a list of servers (lines starting with '- '), found {Describe(e)}");
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                var item = Next();
                if (item is SequenceEnd) return;
                if (item is not MappingStart) throw Error(item.Start, $"expected a server (a mapping of name, username, ...), found {Describe(item)}");
                var server = create();
                Mark? nameAt = null;
                ReadMapping(item.Start, "a server", key =>
                {
                    if (key.Value == "name") { nameAt = key.Start; server.Name = ReadRequiredString("name"); return true; }
                    return readField(server, key);
                });
                if (nameAt is null) throw Error(item.Start, "this server has no 'name'");
                if (!names.Add(server.Name))
                    throw Error(nameAt.Value, $"a second {server.Direction.ToString().ToLowerInvariant()} server is named '{server.Name}'; names are unique per direction (case-insensitive)");
                list.Add(server);
            }
        }

        bool ReadCommonField(MailServer server, Scalar key)
        {
            switch (key.Value)
            {
                case "username": server.Username = ReadString("username") ?? ""; return true;
                case "host": server.HostName = ReadString("host") ?? ""; return true;
                case "port": server.Port = ReadInt("port").Item1; return true;
                case "active": server.Active = ReadBool("active"); return true;
                default: return false;
            }
        }

        bool ReadOutgoingField(OutgoingMailServer server, Scalar key)
        {
            switch (key.Value)
            {
                case "fromFilter": server.FromFilter = ReadString("fromFilter") ?? ""; return true;
                case "encryption":
                    server.Encryption = ReadEnum("encryption", ("none", SmtpEncryption.None), ("starttls", SmtpEncryption.StartTls), ("ssl", SmtpEncryption.Ssl));
                    return true;
                case "authentication":
                    server.Authentication = ReadEnum("authentication", ("outlook", ServerAuthentication.Outlook), ("password", ServerAuthentication.Password));
                    return true;
                case "sequence": server.Sequence = ReadInt("sequence").Item1; return true;
                default: return ReadCommonField(server, key);
            }
        }

        bool ReadIncomingField(IncomingMailServer server, Scalar key)
        {
            switch (key.Value)
            {
                case "ssl": server.Ssl = ReadBool("ssl"); return true;
                case "priority": server.Priority = ReadInt("priority").Item1; return true;
                default: return ReadCommonField(server, key);
            }
        }
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
        Field(w, "  ", "secretExpiresOn", app.SecretExpiresOn?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));

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
