using System.Text;

namespace OutlookOAuth.Mail;

public enum ImapResponseKind { Untagged, Tagged, Continuation }

public enum ImapStatus { None, Ok, No, Bad, PreAuth, Bye }

public enum ImapTokenKind { Atom, Number, Quoted, Literal, List, Nil }

/// <summary>One value of an IMAP response: atom, number, quoted string, literal, parenthesized list or NIL.</summary>
public sealed class ImapToken
{
    ImapToken(ImapTokenKind kind, string? text = null, byte[]? bytes = null, IReadOnlyList<ImapToken>? items = null, long number = 0)
        => (Kind, Text, Bytes, Items, Number) = (kind, text, bytes, items ?? Array.Empty<ImapToken>(), number);

    public ImapTokenKind Kind { get; }
    /// <summary>The atom, number or quoted string as text (null for literals, lists and NIL).</summary>
    public string? Text { get; }
    /// <summary>The bytes of a literal.</summary>
    public byte[]? Bytes { get; }
    public IReadOnlyList<ImapToken> Items { get; }
    public long Number { get; }

    /// <summary>Atom, number, quoted string, or a literal decoded as UTF-8; null for NIL and lists.</summary>
    public string? AsString() => Kind == ImapTokenKind.Literal ? Encoding.UTF8.GetString(Bytes!) : Text;

    public static ImapToken Atom(string text) =>
        text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && long.TryParse(text, out var n)
            ? new ImapToken(ImapTokenKind.Number, text, number: n)
            : string.Equals(text, "NIL", StringComparison.OrdinalIgnoreCase) ? new ImapToken(ImapTokenKind.Nil) : new ImapToken(ImapTokenKind.Atom, text);
    public static ImapToken Quoted(string text) => new(ImapTokenKind.Quoted, text);
    public static ImapToken Literal(byte[] bytes) => new(ImapTokenKind.Literal, bytes: bytes);
    public static ImapToken List(IReadOnlyList<ImapToken> items) => new(ImapTokenKind.List, items: items);

    public override string ToString() => Kind switch
    {
        ImapTokenKind.List => "(" + string.Join(" ", Items) + ")",
        ImapTokenKind.Literal => $"{{{Bytes!.Length}}}",
        ImapTokenKind.Quoted => "\"" + Text!.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        ImapTokenKind.Nil => "NIL",
        _ => Text!,
    };
}

/// <summary>
/// A complete server response (RFC 3501 §7, RFC 9051): a continuation request, an untagged status or data response,
/// or a tagged completion. Literals ({n} followed by n bytes) are part of the response, so FETCH and SEARCH results
/// parse like any other data.
/// </summary>
public sealed class ImapResponse
{
    ImapResponse() { }

    public ImapResponseKind Kind { get; private init; }
    public string? Tag { get; private init; }
    public ImapStatus Status { get; private init; }
    /// <summary>The response code between brackets, e.g. "UIDVALIDITY 3857529045", "AUTHENTICATIONFAILED".</summary>
    public string? ResponseCode { get; private init; }
    /// <summary>The first word of <see cref="ResponseCode"/>, upper case.</summary>
    public string? ResponseCodeName => ResponseCode?.Split(' ', 2)[0].ToUpperInvariant();
    /// <summary>Human-readable text of a status response, or the text of a continuation request.</summary>
    public string Text { get; private init; } = "";
    /// <summary>The number before the keyword ("* 23 EXISTS", "* 4 FETCH (...)").</summary>
    public long? Number { get; private init; }
    /// <summary>The keyword of a data response, upper case: CAPABILITY, FLAGS, EXISTS, FETCH, SEARCH, LIST...</summary>
    public string? Keyword { get; private init; }
    /// <summary>The values after the keyword of a data response.</summary>
    public IReadOnlyList<ImapToken> Data { get; private init; } = Array.Empty<ImapToken>();
    /// <summary>The response as received, literals shown as {n}.</summary>
    public string Line { get; private init; } = "";

    public override string ToString() => Line;

    /// <summary>Parses a response from its text parts and literals: parts[0] is text; a text part that ends with
    /// "{n}" is followed by a byte[] literal of n bytes, then by the next text part.</summary>
    public static ImapResponse Parse(IReadOnlyList<object> parts)
    {
        if (parts.Count == 0 || parts[0] is not string first)
            throw new ArgumentException("A response starts with text.", nameof(parts));
        var display = string.Concat(parts.Select(p => p as string ?? ""));
        if (first == "+" || first.StartsWith("+ ", StringComparison.Ordinal))
            return new ImapResponse { Kind = ImapResponseKind.Continuation, Text = first.Length > 2 ? first[2..] : "", Line = display };

        var space = first.IndexOf(' ');
        if (space <= 0) throw Malformed(display);
        var tag = first[..space];
        var untagged = tag == "*";
        if (!untagged && !tag.All(IsTagChar)) throw Malformed(display);
        var rest = first[(space + 1)..];

        var wordEnd = rest.IndexOf(' ');
        var word = (wordEnd < 0 ? rest : rest[..wordEnd]).ToUpperInvariant();
        var status = word switch
        {
            "OK" => ImapStatus.Ok, "NO" => ImapStatus.No, "BAD" => ImapStatus.Bad,
            "PREAUTH" => ImapStatus.PreAuth, "BYE" => ImapStatus.Bye, _ => ImapStatus.None,
        };
        if (status != ImapStatus.None)
        {
            if (parts.Count > 1) throw Malformed(display);
            var text = wordEnd < 0 ? "" : rest[(wordEnd + 1)..];
            string? code = null;
            if (text.StartsWith('['))
            {
                var close = text.IndexOf(']');
                if (close < 0) throw Malformed(display);
                code = text[1..close];
                text = text[(close + 1)..].TrimStart();
            }
            return new ImapResponse
            {
                Kind = untagged ? ImapResponseKind.Untagged : ImapResponseKind.Tagged,
                Tag = untagged ? null : tag, Status = status, ResponseCode = code, Text = text, Line = display,
            };
        }
        if (!untagged) throw Malformed(display);

        var tokens = new ImapTokenizer(parts, 0, tag.Length + 1).ReadAll();
        if (tokens.Count == 0) throw Malformed(display);
        long? number = null;
        var index = 0;
        if (tokens[0].Kind == ImapTokenKind.Number)
        {
            number = tokens[0].Number;
            index = 1;
        }
        if (index >= tokens.Count || tokens[index].Kind != ImapTokenKind.Atom) throw Malformed(display);
        return new ImapResponse
        {
            Kind = ImapResponseKind.Untagged, Number = number, Keyword = tokens[index].Text!.ToUpperInvariant(),
            Data = tokens.Skip(index + 1).ToArray(), Line = display,
        };
    }

    static bool IsTagChar(char c) => c > ' ' && c < 127 && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or '+');

    static MailProtocolException Malformed(string line) =>
        new(MailFailure.ProtocolViolation, $"Malformed IMAP response '{(line.Length <= 80 ? line : line[..80] + "…")}'.");

    /// <summary>Tokenizer over text parts and literals.</summary>
    sealed class ImapTokenizer
    {
        readonly IReadOnlyList<object> _parts;
        int _part, _pos;

        public ImapTokenizer(IReadOnlyList<object> parts, int part, int position) => (_parts, _part, _pos) = (parts, part, position);

        string Current => (string)_parts[_part];

        public List<ImapToken> ReadAll()
        {
            var tokens = ReadSequence(closing: false);
            return tokens;
        }

        List<ImapToken> ReadSequence(bool closing)
        {
            var list = new List<ImapToken>();
            while (true)
            {
                SkipSpaces();
                if (_pos >= Current.Length && _part != _parts.Count - 1) throw Malformed(Current);
                if (AtEnd())
                {
                    if (closing) throw Malformed(Current);
                    return list;
                }
                var c = Current[_pos];
                if (c == ')')
                {
                    if (!closing) throw Malformed(Current);
                    _pos++;
                    return list;
                }
                list.Add(ReadToken());
            }
        }

        bool AtEnd() => _pos >= Current.Length && _part == _parts.Count - 1;

        void SkipSpaces()
        {
            while (_pos < Current.Length && Current[_pos] == ' ') _pos++;
        }

        ImapToken ReadToken()
        {
            var s = Current;
            var c = s[_pos];
            if (c == '(')
            {
                _pos++;
                return ImapToken.List(ReadSequence(closing: true));
            }
            if (c == '"')
            {
                var b = new StringBuilder();
                for (_pos++; _pos < s.Length; _pos++)
                {
                    if (s[_pos] == '\\' && _pos + 1 < s.Length) b.Append(s[++_pos]);
                    else if (s[_pos] == '"') { _pos++; return ImapToken.Quoted(b.ToString()); }
                    else b.Append(s[_pos]);
                }
                throw Malformed(s);
            }
            if (c == '{' || (c == '~' && _pos + 1 < s.Length && s[_pos + 1] == '{'))
            {
                var close = s.IndexOf('}', _pos);
                if (close != s.Length - 1 || _part + 1 >= _parts.Count || _parts[_part + 1] is not byte[] bytes) throw Malformed(s);
                _part += 2;
                _pos = 0;
                if (_part >= _parts.Count) throw Malformed(s);
                return ImapToken.Literal(bytes);
            }
            // Atom; brackets may hold spaces and parentheses (BODY[HEADER.FIELDS (SUBJECT)]).
            var start = _pos;
            var depth = 0;
            while (_pos < s.Length)
            {
                var ch = s[_pos];
                if (ch == '[') depth++;
                else if (ch == ']' && depth > 0) depth--;
                else if (depth == 0 && (ch == ' ' || ch == '(' || ch == ')' || ch == '"' || ch == '{')) break;
                _pos++;
            }
            if (_pos == start) throw Malformed(s);
            return ImapToken.Atom(s[start.._pos]);
        }
    }
}

/// <summary>What SELECT reports about a mailbox.</summary>
public sealed record ImapMailbox(string Name, long Exists, long Recent, long? UidValidity, long? UidNext, bool ReadOnly, IReadOnlyList<string> Flags);
