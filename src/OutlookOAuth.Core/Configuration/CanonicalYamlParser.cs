using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace OutlookOAuth.Configuration;

/// <summary>
/// A fast parser for the block-style YAML subset this module writes (and most hand edits keep): "key: value" lines,
/// "- " list items, plain or one-line double-quoted scalars, empty [] and {}, comments and blank lines. It produces the
/// same events and marks as YamlDotNet's parser, so the strict reader above it is shared. Anything outside the subset
/// (flow collections, single quotes, block scalars, anchors, tabs, trailing comments, multi-line values, "---") makes
/// <see cref="TryParse"/> return null, and the file is read by YamlDotNet instead, with its exact error positions.
/// Loading a 10,000-server file takes about half the time this way (docs/performance.md).
/// </summary>
sealed class CanonicalYamlParser : IParser
{
    readonly List<ParsingEvent> _events;
    int _next;

    CanonicalYamlParser(List<ParsingEvent> events) => _events = events;

    public ParsingEvent? Current { get; private set; }

    public bool MoveNext()
    {
        if (_next >= _events.Count) return false;
        Current = _events[_next++];
        return true;
    }

    /// <summary>The parser, or null when <paramref name="text"/> is outside the subset.</summary>
    public static CanonicalYamlParser? TryParse(string text)
    {
        try { return new CanonicalYamlParser(new Builder(text).Build()); }
        catch (NotCanonicalException) { return null; }
    }

    sealed class NotCanonicalException : Exception;

    readonly record struct Line(int Number, int Indent, string Text, int Start)
    {
        public bool IsItem => Text.Length > Start && Text[Start] == '-' && (Text.Length == Start + 1 || Text[Start + 1] == ' ');
        public Line AsItemContent() => this with { Indent = Indent + 2, Start = Start + 2 };
    }

    sealed class Builder
    {
        readonly List<Line> _lines = new();
        readonly List<ParsingEvent> _events;
        int _i;
        Mark _end;

        public Builder(string text)
        {
            var number = 0;
            foreach (var raw in text.Split('\n'))
            {
                number++;
                var line = raw.EndsWith('\r') ? raw[..^1] : raw;
                var indent = 0;
                while (indent < line.Length && line[indent] == ' ') indent++;
                if (indent < line.Length && line[indent] == '\t') throw new NotCanonicalException();
                if (indent == line.Length || line[indent] == '#') continue; // blank or comment
                if (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("...", StringComparison.Ordinal) || line[indent] == '%')
                    throw new NotCanonicalException();
                _lines.Add(new Line(number, indent, line, indent));
            }
            _end = At(number + (text.EndsWith('\n') ? 0 : 1), 1);
            _events = new List<ParsingEvent>(_lines.Count * 2 + 8);
        }

        static Mark At(long line, long column) => new(0, line, column);

        public List<ParsingEvent> Build()
        {
            var start = At(1, 1);
            _events.Add(new StreamStart(start, start));
            if (_lines.Count > 0)
            {
                var first = _lines[0];
                var m = At(first.Number, first.Indent + 1);
                if (first.Indent != 0) throw new NotCanonicalException();
                _events.Add(new DocumentStart(null, null, isImplicit: true, m, m));
                if (first.IsItem) throw new NotCanonicalException(); // a list at the root: let YamlDotNet describe it
                Mapping(0);
                if (_i < _lines.Count) throw new NotCanonicalException();
                _events.Add(new DocumentEnd(isImplicit: true, _end, _end));
            }
            _events.Add(new StreamEnd(_end, _end));
            return _events;
        }

        void Mapping(int indent)
        {
            var first = _lines[_i];
            var m = At(first.Number, first.Start + 1);
            _events.Add(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block, m, m));
            while (_i < _lines.Count)
            {
                var line = _lines[_i];
                if (line.Indent < indent || (line.Indent == indent && line.IsItem && line.Start == line.Indent)) break;
                if (line.Indent > indent || line.IsItem) throw new NotCanonicalException();
                _i++;
                var pos = line.Start;
                _events.Add(ReadScalar(line, ref pos, isKey: true));
                if (pos >= line.Text.Length || line.Text[pos] != ':') throw new NotCanonicalException();
                pos++;
                if (pos < line.Text.Length && line.Text[pos] != ' ') throw new NotCanonicalException();
                while (pos < line.Text.Length && line.Text[pos] == ' ') pos++;
                if (pos < line.Text.Length) Value(line, pos);
                else Nested(line, indent);
            }
            var e = _i < _lines.Count ? At(_lines[_i].Number, _lines[_i].Start + 1) : _end;
            _events.Add(new MappingEnd(e, e));
        }

        void Nested(Line keyLine, int indent)
        {
            if (_i < _lines.Count)
            {
                var next = _lines[_i];
                if (next.IsItem && next.Indent >= indent && next.Indent == next.Start) { Sequence(next.Indent); return; }
                if (next.Indent > indent) { Mapping(next.Indent); return; }
            }
            var m = At(keyLine.Number, keyLine.Text.Length + 1);
            _events.Add(new Scalar(AnchorName.Empty, TagName.Empty, "", ScalarStyle.Plain, true, false, m, m));
        }

        void Sequence(int indent)
        {
            var first = _lines[_i];
            var m = At(first.Number, first.Indent + 1);
            _events.Add(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block, m, m));
            while (_i < _lines.Count)
            {
                var line = _lines[_i];
                if (line.Indent != indent || !line.IsItem || line.Start != line.Indent) break;
                var content = line.AsItemContent();
                if (content.Start >= line.Text.Length || line.Text[content.Start] == ' ') throw new NotCanonicalException();
                if (LooksLikeKey(line.Text, content.Start))
                {
                    _lines[_i] = content; // the item's mapping starts on this line, two columns in
                    Mapping(content.Indent);
                }
                else
                {
                    _i++;
                    Value(content, content.Start);
                }
            }
            var e = _i < _lines.Count ? At(_lines[_i].Number, _lines[_i].Start + 1) : _end;
            _events.Add(new SequenceEnd(e, e));
        }

        static bool LooksLikeKey(string text, int pos)
        {
            if (text[pos] == '"') return text.IndexOf("\":", pos + 1, StringComparison.Ordinal) > 0;
            var colon = text.IndexOf(':', pos);
            return colon > pos && (colon == text.Length - 1 || text[colon + 1] == ' ');
        }

        void Value(Line line, int pos)
        {
            var rest = line.Text.AsSpan(pos);
            var m = At(line.Number, pos + 1);
            if (rest.SequenceEqual("[]"))
            {
                var e = At(line.Number, pos + 3);
                _events.Add(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow, m, m));
                _events.Add(new SequenceEnd(e, e));
                return;
            }
            if (rest.SequenceEqual("{}"))
            {
                var e = At(line.Number, pos + 3);
                _events.Add(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow, m, m));
                _events.Add(new MappingEnd(e, e));
                return;
            }
            var p = pos;
            _events.Add(ReadScalar(line, ref p, isKey: false));
            if (p != line.Text.Length) throw new NotCanonicalException();
        }

        static Scalar ReadScalar(Line line, ref int pos, bool isKey)
        {
            var text = line.Text;
            var start = At(line.Number, pos + 1);
            if (text[pos] == '"')
            {
                var b = new StringBuilder();
                var i = pos + 1;
                while (true)
                {
                    if (i >= text.Length) throw new NotCanonicalException();
                    var c = text[i];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (i + 1 >= text.Length) throw new NotCanonicalException();
                        var esc = text[i + 1];
                        switch (esc)
                        {
                            case '"': b.Append('"'); break;
                            case '\\': b.Append('\\'); break;
                            case '/': b.Append('/'); break;
                            case 'n': b.Append('\n'); break;
                            case 'r': b.Append('\r'); break;
                            case 't': b.Append('\t'); break;
                            case '0': b.Append('\0'); break;
                            case 'u':
                                if (i + 6 > text.Length || !int.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                                    throw new NotCanonicalException();
                                b.Append((char)code);
                                i += 4;
                                break;
                            default: throw new NotCanonicalException();
                        }
                        i += 2;
                        continue;
                    }
                    if (c < 0x20 && c != '\t') throw new NotCanonicalException();
                    b.Append(c);
                    i++;
                }
                pos = i + 1;
                var end = At(line.Number, pos + 1);
                return new Scalar(AnchorName.Empty, TagName.Empty, b.ToString(), ScalarStyle.DoubleQuoted, false, true, start, end);
            }

            var first = text[pos];
            if (first is '\'' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`' or '[' or '{' or ']' or '}' or '#' or ',' or '?')
                throw new NotCanonicalException();
            if (first is '-' or ':' && pos + 1 < text.Length && text[pos + 1] == ' ') throw new NotCanonicalException();
            int stop;
            if (isKey)
            {
                stop = text.IndexOf(':', pos);
                while (stop > 0 && stop + 1 < text.Length && text[stop + 1] != ' ') stop = text.IndexOf(':', stop + 1);
                if (stop < 0) throw new NotCanonicalException();
            }
            else
            {
                stop = text.Length;
                if (text.AsSpan(pos).IndexOf(": ") >= 0 || text.AsSpan(pos).IndexOf(" #") >= 0 || text[^1] == ':') throw new NotCanonicalException();
            }
            var valueEnd = stop;
            while (valueEnd > pos && text[valueEnd - 1] == ' ') valueEnd--;
            if (valueEnd == pos) throw new NotCanonicalException();
            var value = text[pos..valueEnd];
            if (value.Contains('\t')) throw new NotCanonicalException();
            pos = isKey ? stop : text.Length;
            return new Scalar(AnchorName.Empty, TagName.Empty, value, ScalarStyle.Plain, true, false, start, At(line.Number, valueEnd + 1));
        }
    }
}
