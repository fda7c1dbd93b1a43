using System.Globalization;

namespace OutlookOAuth.Configuration;

/// <summary>
/// Reads one pipeline row (a CSV line, a custom object) into a <see cref="ServerSpec"/>, a cell at a time, by field
/// name (the cmdlet parameter a column binds to). A blank cell means "not given"; a value that does not convert is an
/// <c>InvalidColumnValue</c> error naming the row, the column and the value — never dropped, never defaulted.
/// (PowerShell silently skips a by-property-name binding that fails to convert, so the cmdlets read rows through this.)
/// </summary>
public static class ServerRow
{
    /// <summary>The fields a row can set, by the parameter name they bind to.</summary>
    public static readonly IReadOnlySet<string> Fields = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        nameof(ServerSpec.Name), nameof(ServerSpec.NewName), nameof(ServerSpec.Username), nameof(ServerSpec.Direction),
        nameof(ServerSpec.FromFilter), nameof(ServerSpec.HostName), nameof(ServerSpec.Port), nameof(ServerSpec.Sequence),
        nameof(ServerSpec.Priority), nameof(ServerSpec.Authentication), nameof(ServerSpec.Encryption), nameof(ServerSpec.Ssl),
        nameof(ServerSpec.Active),
    };

    /// <summary>Sets <paramref name="field"/> of <paramref name="spec"/> from the cell <paramref name="value"/> of
    /// column <paramref name="column"/> in row <paramref name="row"/> (1-based). Null or blank leaves it unset.</summary>
    /// <exception cref="ConfigurationValidationException">InvalidColumnValue: the value does not convert.</exception>
    public static void Set(ServerSpec spec, string field, object? value, string column, long row)
    {
        if (value is null) return;
        if (value is string text)
        {
            text = text.Trim();
            if (text.Length == 0) return;
            value = text;
        }
        SetValue(spec, field, value, column, row);
    }

    /// <summary>The typed value of one cell (null when blank), e.g. for a parameter's argument transformation.</summary>
    /// <exception cref="ConfigurationValidationException">InvalidColumnValue.</exception>
    public static object? Convert(string field, object? value, string column, long row)
    {
        var spec = new ServerSpec();
        Set(spec, field, value, column, row);
        return field switch
        {
            nameof(ServerSpec.Name) => spec.Name, nameof(ServerSpec.NewName) => spec.NewName, nameof(ServerSpec.Username) => spec.Username,
            nameof(ServerSpec.FromFilter) => spec.FromFilter, nameof(ServerSpec.HostName) => spec.HostName,
            nameof(ServerSpec.Direction) => spec.Direction, nameof(ServerSpec.Authentication) => spec.Authentication,
            nameof(ServerSpec.Encryption) => spec.Encryption, nameof(ServerSpec.Port) => spec.Port, nameof(ServerSpec.Sequence) => spec.Sequence,
            nameof(ServerSpec.Priority) => spec.Priority, nameof(ServerSpec.Ssl) => spec.Ssl, nameof(ServerSpec.Active) => spec.Active,
            _ => throw new ArgumentException($"'{field}' is not a field of a server row.", nameof(field)),
        };
    }

    static void SetValue(ServerSpec spec, string field, object value, string column, long row)
    {
        switch (field)
        {
            case nameof(ServerSpec.Name): spec.Name = Text(value); break;
            case nameof(ServerSpec.NewName): spec.NewName = Text(value); break;
            case nameof(ServerSpec.Username): spec.Username = Text(value); break;
            case nameof(ServerSpec.FromFilter): spec.FromFilter = Text(value); break;
            case nameof(ServerSpec.HostName): spec.HostName = Text(value); break;
            case nameof(ServerSpec.Direction): spec.Direction = Enum<MailServerDirection>(value, column, row); break;
            case nameof(ServerSpec.Authentication): spec.Authentication = Enum<ServerAuthentication>(value, column, row); break;
            case nameof(ServerSpec.Encryption): spec.Encryption = Enum<SmtpEncryption>(value, column, row); break;
            case nameof(ServerSpec.Port): spec.Port = Whole(value, column, row, 1, 65535); break;
            case nameof(ServerSpec.Sequence): spec.Sequence = Whole(value, column, row, int.MinValue, int.MaxValue); break;
            case nameof(ServerSpec.Priority): spec.Priority = Whole(value, column, row, int.MinValue, int.MaxValue); break;
            case nameof(ServerSpec.Ssl): spec.Ssl = Boolean(value, column, row); break;
            case nameof(ServerSpec.Active): spec.Active = Boolean(value, column, row); break;
            default: throw new ArgumentException($"'{field}' is not a field of a server row.", nameof(field));
        }
    }

    /// <summary>Unsets <paramref name="field"/> (a row that leaves the cell blank must not inherit the previous row's value).</summary>
    public static void Clear(ServerSpec spec, string field)
    {
        switch (field)
        {
            case nameof(ServerSpec.Name): spec.Name = null; break;
            case nameof(ServerSpec.NewName): spec.NewName = null; break;
            case nameof(ServerSpec.Username): spec.Username = null; break;
            case nameof(ServerSpec.FromFilter): spec.FromFilter = null; break;
            case nameof(ServerSpec.HostName): spec.HostName = null; break;
            case nameof(ServerSpec.Direction): spec.Direction = null; break;
            case nameof(ServerSpec.Authentication): spec.Authentication = null; break;
            case nameof(ServerSpec.Encryption): spec.Encryption = null; break;
            case nameof(ServerSpec.Port): spec.Port = null; break;
            case nameof(ServerSpec.Sequence): spec.Sequence = null; break;
            case nameof(ServerSpec.Priority): spec.Priority = null; break;
            case nameof(ServerSpec.Ssl): spec.Ssl = null; break;
            case nameof(ServerSpec.Active): spec.Active = null; break;
        }
    }

    static string Text(object value) => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    static T Enum<T>(object value, string column, long row) where T : struct, Enum
    {
        if (value is T typed) return typed;
        var text = Text(value).Trim();
        // Names only: Enum.TryParse would also take "1" or "Outgoing,Incoming".
        foreach (var (name, member) in EnumNames<T>.All)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return member;
        throw Invalid(column, row, text, $"one of {string.Join(", ", EnumNames<T>.All.Select(n => n.Name))}");
    }

    static class EnumNames<T> where T : struct, Enum
    {
        public static readonly (string Name, T Value)[] All = System.Enum.GetValues<T>().Select(v => (v.ToString(), v)).ToArray();
    }

    static int Whole(object value, string column, long row, int min, int max)
    {
        long number;
        switch (value)
        {
            case int i: number = i; break;
            case long l: number = l; break;
            case short or byte or uint or ushort or sbyte: number = System.Convert.ToInt64(value, CultureInfo.InvariantCulture); break;
            default:
                var text = Text(value).Trim();
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
                    throw Invalid(column, row, text, min == int.MinValue ? "a whole number" : $"a whole number from {min} to {max}");
                break;
        }
        if (number < min || number > max)
            throw Invalid(column, row, Text(value), min == int.MinValue ? "a whole number" : $"a whole number from {min} to {max}");
        return (int)number;
    }

    static bool Boolean(object value, string column, long row)
    {
        if (value is bool b) return b;
        var text = Text(value).Trim();
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1") return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text == "0") return false;
        throw Invalid(column, row, text, "true or false");
    }

    static ConfigurationValidationException Invalid(string column, long row, string value, string expected) =>
        new("InvalidColumnValue", column, $"Row {row}, column '{column}': '{value}' is not valid; expected {expected}.",
            $"Correct the '{column}' cell of row {row} (expected {expected}), or leave it blank for the default.");
}
