using System.Net;
using System.Text;
using MimeKit.Text;

namespace OutlookOAuth.Mail.Sending;

/// <summary>The plain-text alternative of an HTML body: the text of the document, with line breaks at block
/// elements, script and style dropped (MimeKit's HTML tokenizer; MimeKit has no HTML-to-text converter).</summary>
internal static class HtmlText
{
    static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
        { "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", "hr" };

    public static string Convert(string html)
    {
        var sb = new StringBuilder(html.Length / 2);
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        var skip = 0;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when tag.Name is "script" or "style":
                    skip += tag.IsEndTag ? -1 : tag.IsEmptyElement ? 0 : 1;
                    if (skip < 0) skip = 0;
                    break;
                case HtmlTagToken tag when Blocks.Contains(tag.Name):
                    if (sb.Length > 0 && sb[^1] != '\n') sb.Append('\n');
                    if (!tag.IsEndTag && tag.Name is "li") sb.Append("- ");
                    break;
                case HtmlDataToken data when skip == 0:
                    var text = WebUtility.HtmlDecode(data.Data);
                    foreach (var c in text)
                    {
                        if (char.IsWhiteSpace(c))
                        {
                            if (sb.Length > 0 && sb[^1] != ' ' && sb[^1] != '\n') sb.Append(' ');
                        }
                        else sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString().Trim() + "\n";
    }
}
