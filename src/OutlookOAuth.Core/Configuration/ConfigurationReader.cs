using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace OutlookOAuth.Configuration;

/// <summary>
/// The strict reader of the configuration file, on YamlDotNet's parser events: every key is known, typed and given
/// once, and every refusal names file, line and column. It is the only YAML reader of the module (the events are
/// read once, in order, with no intermediate tree; keys are matched by a switch and remembered in a bit mask, so a
/// 10,000-server file costs little beyond YamlDotNet's own scanning — see docs/performance.md).
/// </summary>
internal sealed class ConfigurationReader(IParser parser, string filePath)
{
    const string ServerContext = "a server";

    ConfigurationFileException Error(Mark at, string reason) => new(filePath, at.Line, at.Column, reason);

    ParsingEvent Next()
    {
        if (!parser.MoveNext()) throw Error(Mark.Empty, "unexpected end of file");
        var e = parser.Current!;
        if (e is AnchorAlias) throw Error(e.Start, "YAML aliases (*name) are not supported in this file");
        if (e is NodeEvent n)
        {
            if (!n.Anchor.IsEmpty) throw Error(e.Start, $"YAML anchors (&{n.Anchor}) are not supported in this file");
            if (!n.Tag.IsEmpty && e is not Scalar) throw Error(e.Start, $"YAML tags ({n.Tag}) are not supported in this file");
        }
        return e;
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
        var start = Next();
        if (start is not StreamStart) throw Error(start.Start, $"expected the start of the file, found {Describe(start)}");
        var first = Next();
        if (first is StreamEnd) throw Error(first.Start, "the file is empty; expected a mapping starting with 'version: 1'");
        if (first is not DocumentStart) throw Error(first.Start, $"expected a YAML document, found {Describe(first)}");
        var root = Next();
        if (root is not MappingStart) throw Error(root.Start, $"expected a mapping of keys (version, application, parameters, outgoingServers, incomingServers), found {Describe(root)}");

        var config = new OutlookConfiguration();
        var seen = 0;
        const string where = "the file";
        while (NextKey(where) is { } key)
        {
            switch (key.Value)
            {
                case "version":
                    Once(ref seen, 1, key, where);
                    var (v, at) = ReadInt("version");
                    if (v != OutlookConfiguration.CurrentVersion)
                        throw Error(at, $"version {v} is not supported by OutlookOAuth {ConfigurationSerializer.ModuleVersion}; this module reads version {OutlookConfiguration.CurrentVersion}");
                    config.Version = v;
                    break;
                case "application": Once(ref seen, 2, key, where); ReadApplication(config.Application); break;
                case "parameters": Once(ref seen, 4, key, where); ReadParameters(config.Parameters); break;
                case "outgoingServers": Once(ref seen, 8, key, where); ReadOutgoingServers(config.OutgoingServers); break;
                case "incomingServers": Once(ref seen, 16, key, where); ReadIncomingServers(config.IncomingServers); break;
                default: throw Unknown(key, where);
            }
        }
        if ((seen & 1) == 0) throw Error(root.Start, "the key 'version' is missing (expected 'version: 1')");

        var end = Next();
        if (end is not DocumentEnd) throw Error(end.Start, $"unexpected {Describe(end)} after the configuration");
        var after = Next();
        if (after is not StreamEnd) throw Error(after.Start, "the file holds more than one YAML document");
        return config;
    }

    /// <summary>The next key of a mapping, or null at its end.</summary>
    Scalar? NextKey(string where)
    {
        var e = Next();
        if (e is MappingEnd) return null;
        return e as Scalar ?? throw Error(e.Start, $"expected a key in {where}, found {Describe(e)}");
    }

    /// <summary>Marks a known key as read (<paramref name="bit"/> in <paramref name="seen"/>); a repeated key is an error.</summary>
    void Once(ref int seen, int bit, Scalar key, string where)
    {
        if ((seen & bit) != 0) throw Error(key.Start, $"the key '{key.Value}' appears twice in {where}");
        seen |= bit;
    }

    ConfigurationFileException Unknown(Scalar key, string where) => Error(key.Start, $"unknown key '{key.Value}' in {where}");

    MappingStart ExpectMapping(string what)
    {
        var e = Next();
        return e as MappingStart ?? throw Error(e.Start, $"expected {what}, found {Describe(e)}");
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

    SmtpEncryption ReadEncryption()
    {
        var s = ReadScalar("encryption");
        if (s.Value.Equals("starttls", StringComparison.OrdinalIgnoreCase)) return SmtpEncryption.StartTls;
        if (s.Value.Equals("ssl", StringComparison.OrdinalIgnoreCase)) return SmtpEncryption.Ssl;
        if (s.Value.Equals("none", StringComparison.OrdinalIgnoreCase)) return SmtpEncryption.None;
        throw Error(s.Start, $"'encryption' must be one of none, starttls, ssl, found {Describe(s)}");
    }

    ServerAuthentication ReadAuthentication()
    {
        var s = ReadScalar("authentication");
        if (s.Value.Equals("outlook", StringComparison.OrdinalIgnoreCase)) return ServerAuthentication.Outlook;
        if (s.Value.Equals("password", StringComparison.OrdinalIgnoreCase)) return ServerAuthentication.Password;
        throw Error(s.Start, $"'authentication' must be one of outlook, password, found {Describe(s)}");
    }

    void ReadApplication(OutlookApplicationSettings app)
    {
        const string where = "'application'";
        ExpectMapping("a mapping for 'application'");
        var seen = 0;
        while (NextKey(where) is { } key)
        {
            switch (key.Value)
            {
                case "clientId": Once(ref seen, 1, key, where); app.ClientId = ReadString("clientId"); break;
                case "tenant": Once(ref seen, 2, key, where); app.Tenant = ReadString("tenant") ?? OutlookApplicationSettings.DefaultTenant; break;
                case "authority": Once(ref seen, 4, key, where); app.Authority = ReadString("authority"); break;
                case "redirectUri": Once(ref seen, 8, key, where); app.RedirectUri = ReadString("redirectUri"); break;
                case "clientSecretEnvironmentVariable": Once(ref seen, 16, key, where); app.ClientSecretEnvironmentVariable = ReadString("clientSecretEnvironmentVariable"); break;
                case "certificatePath": Once(ref seen, 32, key, where); app.CertificatePath = ReadString("certificatePath"); break;
                case "certificateThumbprint": Once(ref seen, 64, key, where); app.CertificateThumbprint = ReadString("certificateThumbprint"); break;
                case "managedIdentity":
                    Once(ref seen, 256, key, where);
                    var mi = ReadScalar("managedIdentity");
                    if (IsNull(mi)) { app.ManagedIdentity = null; break; }
                    try { app.ManagedIdentity = Identity.ManagedIdentitySelection.Parse(mi.Value)?.Value; }
                    catch (ConfigurationValidationException) { throw Error(mi.Start, $"'managedIdentity' must be system, the client id (GUID) of a user-assigned identity or its resource id (/subscriptions/...), found {Describe(mi)}"); }
                    break;
                case "secretExpiresOn":
                    Once(ref seen, 128, key, where);
                    var s = ReadScalar("secretExpiresOn");
                    if (IsNull(s)) { app.SecretExpiresOn = null; break; }
                    if (!DateTimeOffset.TryParse(s.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
                        throw Error(s.Start, $"'secretExpiresOn' must be a date such as 2027-06-30, found {Describe(s)}");
                    app.SecretExpiresOn = d;
                    break;
                case "secretKeyId": Once(ref seen, 512, key, where); app.SecretKeyId = ReadString("secretKeyId"); break;
                default: throw Unknown(key, where);
            }
        }
    }

    void ReadParameters(IDictionary<string, string> parameters)
    {
        const string where = "'parameters'";
        ExpectMapping("a mapping of system parameters (name: value)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (NextKey(where) is { } key)
        {
            if (!seen.Add(key.Value)) throw Error(key.Start, $"the key '{key.Value}' appears twice in {where}");
            var value = ReadScalar(key.Value);
            if (!IsNull(value)) parameters[key.Value] = value.Value;
        }
    }

    /// <summary>The start of a server list, or false for an empty value (no servers).</summary>
    bool StartServers()
    {
        var e = Next();
        if (e is Scalar s && IsNull(s)) return false;
        if (e is not SequenceStart) throw Error(e.Start, $"expected a list of servers (lines starting with '- '), found {Describe(e)}");
        return true;
    }

    /// <summary>The next server's mapping, or null at the end of the list.</summary>
    MappingStart? NextServer()
    {
        var item = Next();
        if (item is SequenceEnd) return null;
        return item as MappingStart ?? throw Error(item.Start, $"expected a server (a mapping of name, username, ...), found {Describe(item)}");
    }

    void AddServer<TServer>(MailServerList<TServer> list, TServer server, MappingStart item, Mark? nameAt) where TServer : MailServer
    {
        if (nameAt is null) throw Error(item.Start, "this server has no 'name'");
        if (list.Find(server.Name) is not null)
            throw Error(nameAt.Value, $"a second {server.Direction.ToString().ToLowerInvariant()} server is named '{server.Name}'; names are unique per direction (case-insensitive)");
        list.Add(server);
    }

    // Bits of the keys of a server mapping: the common ones, then those of one direction.
    const int NameBit = 1, UsernameBit = 2, HostBit = 4, PortBit = 8, ActiveBit = 16, DirectionBit = 32;

    string? _lastHost;

    /// <summary><paramref name="known"/> when it equals <paramref name="value"/>: a 10,000-server file repeats its host,
    /// and name, username and filter are often one address, so the servers kept share those strings instead of
    /// holding copies that the garbage collector would have to promote (it is most of what reading costs beyond
    /// YamlDotNet's scanning).</summary>
    static string Reuse(string value, string? known) => known is not null && string.Equals(value, known, StringComparison.Ordinal) ? known : value;

    /// <summary>Reads a key every server has; false for another key.</summary>
    bool ReadCommonField(MailServer server, Scalar key, ref int seen, ref Mark? nameAt)
    {
        switch (key.Value)
        {
            case "name": Once(ref seen, NameBit, key, ServerContext); nameAt = key.Start; server.Name = ReadRequiredString("name"); return true;
            case "username": Once(ref seen, UsernameBit, key, ServerContext); server.Username = Reuse(ReadString("username") ?? "", server.Name); return true;
            case "host": Once(ref seen, HostBit, key, ServerContext); server.HostName = _lastHost = Reuse(ReadString("host") ?? "", _lastHost); return true;
            case "port": Once(ref seen, PortBit, key, ServerContext); server.Port = ReadInt("port").Item1; return true;
            case "active": Once(ref seen, ActiveBit, key, ServerContext); server.Active = ReadBool("active"); return true;
            default: return false;
        }
    }

    delegate bool FieldReader<in TServer>(TServer server, Scalar key, ref int seen);

    /// <summary>Reads a list of servers: every key is a common one or one of <paramref name="readField"/>'s.</summary>
    void ReadServers<TServer>(MailServerList<TServer> list, FieldReader<TServer> readField) where TServer : MailServer, new()
    {
        if (!StartServers()) return;
        while (NextServer() is { } item)
        {
            var server = new TServer();
            Mark? nameAt = null;
            var seen = 0;
            while (NextKey(ServerContext) is { } key)
                if (!ReadCommonField(server, key, ref seen, ref nameAt) && !readField(server, key, ref seen)) throw Unknown(key, ServerContext);
            AddServer(list, server, item, nameAt);
        }
    }

    void ReadOutgoingServers(MailServerList<OutgoingMailServer> list) => ReadServers<OutgoingMailServer>(list, ReadOutgoingField);

    void ReadIncomingServers(MailServerList<IncomingMailServer> list) => ReadServers<IncomingMailServer>(list, ReadIncomingField);

    bool ReadOutgoingField(OutgoingMailServer server, Scalar key, ref int seen)
    {
        switch (key.Value)
        {
            case "fromFilter": Once(ref seen, DirectionBit, key, ServerContext); server.FromFilter = Reuse(ReadString("fromFilter") ?? "", server.Username); return true;
            case "encryption": Once(ref seen, DirectionBit << 1, key, ServerContext); server.Encryption = ReadEncryption(); return true;
            case "authentication": Once(ref seen, DirectionBit << 2, key, ServerContext); server.Authentication = ReadAuthentication(); return true;
            case "sequence": Once(ref seen, DirectionBit << 3, key, ServerContext); server.Sequence = ReadInt("sequence").Item1; return true;
            default: return false;
        }
    }

    bool ReadIncomingField(IncomingMailServer server, Scalar key, ref int seen)
    {
        switch (key.Value)
        {
            case "ssl": Once(ref seen, DirectionBit, key, ServerContext); server.Ssl = ReadBool("ssl"); return true;
            case "priority": Once(ref seen, DirectionBit << 1, key, ServerContext); server.Priority = ReadInt("priority").Item1; return true;
            default: return false;
        }
    }
}
