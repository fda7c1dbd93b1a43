using System.Globalization;
using System.Text;

namespace OutlookOAuth.Mail.Receiving;

/// <summary>
/// Turns the file name a sender chose for an attachment (hostile until checked: <c>../../pwned.txt</c>, <c>/etc/x</c>,
/// <c>C:\x</c>, control and bidi characters, <c>CON</c>, nothing at all, a thousand characters) into one plain file name
/// that is valid on Linux, macOS and Windows: the last path segment only, no control, format (bidi, zero-width) or
/// Windows-reserved characters, no leading or trailing dots and spaces (no hidden files, no <c>..</c>), no reserved
/// device name, at most <see cref="MaxBytes"/> UTF-8 bytes with the extension kept, and never empty.
/// </summary>
public static class AttachmentFileName
{
    /// <summary>The name of an attachment without a usable one.</summary>
    public const string Fallback = "attachment";

    /// <summary>Longest name in UTF-8 bytes: under every file system's 255, with room for a " (9999)" to make it unique.</summary>
    public const int MaxBytes = 200;

    const int MaxExtensionBytes = 16;
    const string WindowsInvalid = "<>:\"|?*";

    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>The safe file name for <paramref name="name"/> (<paramref name="fallback"/> when nothing usable is left).</summary>
    public static string Sanitize(string? name, string fallback = Fallback)
    {
        var text = WellFormed(name ?? "");
        var slash = text.LastIndexOfAny(['/', '\\']);
        if (slash >= 0) text = text[(slash + 1)..];
        text = text.Normalize(NormalizationForm.FormC);
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.Format) continue;                     // bidi overrides, zero-width characters
            clean.Append(char.IsControl(c) || WindowsInvalid.Contains(c) ? '_' : c);
        }
        var result = Trim(clean.ToString());
        var stem = result.Split('.')[0].TrimEnd(' ');
        if (Reserved.Contains(stem)) result = "_" + result;
        result = Shorten(result);
        return result.Length == 0 ? fallback : result;
    }

    /// <summary><paramref name="name"/> with " (<paramref name="number"/>)" before its extension: the n-th candidate for
    /// a name that is taken.</summary>
    public static string Numbered(string name, int number)
    {
        if (number <= 1) return name;
        var (stem, extension) = Split(name);
        return $"{stem} ({number.ToString(CultureInfo.InvariantCulture)}){extension}";
    }

    /// <summary>Lone surrogates (which normalization refuses) become '_'.</summary>
    static string WellFormed(string text)
    {
        StringBuilder? fixedText = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                : !char.IsLowSurrogate(c) || (i > 0 && char.IsHighSurrogate(text[i - 1]));
            if (paired) { fixedText?.Append(c); continue; }
            fixedText ??= new StringBuilder(text, 0, i, text.Length);
            fixedText.Append('_');
        }
        return fixedText?.ToString() ?? text;
    }

    static string Trim(string text) => text.Trim().Trim('.', ' ').Trim();

    static (string Stem, string Extension) Split(string name)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0) return (name, "");
        var extension = name[dot..];
        return Encoding.UTF8.GetByteCount(extension) <= MaxExtensionBytes && !extension.Contains(' ') ? (name[..dot], extension) : (name, "");
    }

    /// <summary>At most <see cref="MaxBytes"/> UTF-8 bytes, cut between whole characters, the extension kept.</summary>
    static string Shorten(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxBytes) return name;
        var (stem, extension) = Split(name);
        var budget = MaxBytes - Encoding.UTF8.GetByteCount(extension);
        var kept = new StringBuilder();
        var used = 0;
        var elements = StringInfo.GetTextElementEnumerator(stem);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var size = Encoding.UTF8.GetByteCount(element);
            if (used + size > budget) break;
            kept.Append(element);
            used += size;
        }
        var shortStem = Trim(kept.ToString());
        return shortStem.Length == 0 ? "" : shortStem + extension;
    }
}
