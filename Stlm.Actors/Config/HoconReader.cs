using System.Globalization;
using System.Text;

namespace Stlm.Actors.Configuration;

/// <summary>
/// The character level of HOCON: a cursor that knows its line and column, and reads blanks,
/// comments, quoted / triple-quoted / unquoted strings and path expressions.
/// </summary>
internal sealed class HoconReader(string text, string source)
{
    const string NotUnquoted = "$\"{}[]:=,+#`^?!@*&\\";

    int _pos;
    int _line = 1;
    int _column = 1;

    public string Source => source;
    public ConfigOrigin Origin => new(source, _line, _column);
    public bool AtEnd => _pos >= text.Length;
    public char Peek(int ahead = 0) => _pos + ahead < text.Length ? text[_pos + ahead] : '\0';
    public bool LookingAt(string s, int offset = 0) => string.CompareOrdinal(text, _pos + offset, s, 0, s.Length) == 0;

    public char Next()
    {
        var c = text[_pos++];
        if (c == '\n') { _line++; _column = 1; }
        else _column++;
        return c;
    }

    public void Expect(char c, string what)
    {
        if (Peek() != c || AtEnd)
            throw Error($"expected `{c}` {what} but found {Found()}", $"add the missing `{c}`");
        Next();
    }

    public ConfigException Error(string message, string fix) => new(Origin, message, fix);

    public string Found() => AtEnd ? "end of input" : Peek() == '\n' ? "end of line" : $"`{Peek()}`";

    public static bool IsSpace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');
    public static bool IsUnquotedChar(char c) => c != '\n' && !IsSpace(c) && !NotUnquoted.Contains(c);

    /// <summary>`include` followed by blanks and a quoted name or one of required( file( url( classpath(.</summary>
    public bool AtInclude()
    {
        if (!LookingAt("include") || !IsSpace(Peek(7))) return false;
        var i = 7;
        while (IsSpace(Peek(i))) i++;
        return Peek(i) == '"' || new[] { "required(", "file(", "url(", "classpath(" }.Any(w => LookingAt(w, i));
    }

    public bool AtComment => Peek() == '#' || LookingAt("//");

    public void SkipSpaces()
    {
        while (!AtEnd && IsSpace(Peek())) Next();
    }

    public string ReadSpaces()
    {
        var start = _pos;
        SkipSpaces();
        return text[start.._pos];
    }

    /// <summary>Skips blanks and comments on the current line, stopping before the newline.</summary>
    public void SkipSpacesAndComments()
    {
        SkipSpaces();
        if (AtComment)
            while (!AtEnd && Peek() != '\n') Next();
    }

    /// <summary>Skips blanks, comments and newlines; tells whether a newline was crossed (a newline separates fields like a comma).</summary>
    public bool SkipBlankLines()
    {
        var crossed = false;
        while (true)
        {
            SkipSpacesAndComments();
            if (Peek() != '\n' || AtEnd) return crossed;
            Next();
            crossed = true;
        }
    }

    public bool AtUnquoted => !AtEnd && IsUnquotedChar(Peek()) && !LookingAt("//");

    public string ReadUnquoted()
    {
        var start = _pos;
        while (AtUnquoted) Next();
        return text[start.._pos];
    }

    /// <summary>Reads "…" with JSON escapes, or """…""" raw (extra quotes before the closing three belong to the string).</summary>
    public string ReadQuoted()
    {
        var start = Origin;
        if (LookingAt("\"\"\"")) return ReadTripleQuoted(start);
        Next();
        var b = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
                throw new ConfigException(start, "unterminated quoted string", "close it with `\"` on the same line, or use \"\"\" for multi-line strings");
            var c = Next();
            if (c == '"') return b.ToString();
            if (c != '\\') { b.Append(c); continue; }
            b.Append(ReadEscape());
        }
    }

    string ReadTripleQuoted(ConfigOrigin start)
    {
        Next(); Next(); Next();
        var b = new StringBuilder();
        while (true)
        {
            if (AtEnd)
                throw new ConfigException(start, "unterminated triple-quoted string", "close it with \"\"\"");
            if (LookingAt("\"\"\""))
            {
                var quotes = 0;
                while (Peek() == '"' && !AtEnd) { Next(); quotes++; }
                return b.Append('"', quotes - 3).ToString();
            }
            b.Append(Next());
        }
    }

    string ReadEscape()
    {
        var at = new ConfigOrigin(source, _line, _column - 1);
        if (AtEnd) throw new ConfigException(at, "unterminated escape sequence", "remove the trailing `\\`");
        var c = Next();
        switch (c)
        {
            case '"': return "\"";
            case '\\': return "\\";
            case '/': return "/";
            case 'b': return "\b";
            case 'f': return "\f";
            case 'n': return "\n";
            case 'r': return "\r";
            case 't': return "\t";
            case 'u':
                var hex = new string([Peek(), Peek(1), Peek(2), Peek(3)]);
                if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) || hex.Length != 4)
                    throw new ConfigException(at, $"bad unicode escape `\\u{hex.TrimEnd('\0')}`", "write four hex digits after \\u");
                for (var i = 0; i < 4; i++) Next();
                return ((char)code).ToString();
            default:
                throw new ConfigException(at, $"bad escape `\\{c}` in quoted string", "use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, or a triple-quoted string");
        }
    }

    /// <summary>
    /// Reads a path expression (`a.b."c.d" e`): unquoted parts split on dots, quoted parts kept
    /// whole, inner blanks kept. Stops before anything that cannot be part of a key.
    /// </summary>
    public ConfigPath ReadPathExpression(bool allowEnd)
    {
        var start = Origin;
        var keys = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        var pendingSpaces = "";
        ConfigOrigin? lastDot = null;

        void EndKey(ConfigOrigin at)
        {
            if (!hasContent)
                throw new ConfigException(at, "path has an empty element (`..`, or a leading or trailing `.`)", "quote a key that contains a dot, e.g. \"a.b\"");
            keys.Add(current.ToString());
            current.Clear();
            hasContent = false;
        }

        while (true)
        {
            var spaces = ReadSpaces();
            if (hasContent || keys.Count > 0) pendingSpaces = spaces;
            if (Peek() == '"' && !AtEnd)
            {
                if (hasContent) current.Append(pendingSpaces);
                current.Append(ReadQuoted());
                hasContent = true;
            }
            else if (AtUnquoted)
            {
                if (hasContent) current.Append(pendingSpaces);
                var at = Origin;
                var word = ReadUnquoted();
                for (var i = 0; i < word.Length; i++)
                {
                    var c = word[i];
                    if (c == '.') { EndKey(lastDot = at with { Column = at.Column + i }); continue; }
                    current.Append(c);
                    hasContent = true;
                }
            }
            else break;
            pendingSpaces = "";
        }

        if (keys.Count == 0 && !hasContent)
            throw new ConfigException(start, $"expected a key but found {Found()}", allowEnd ? "write a path such as a.b.c" : "write `key = value`");
        EndKey(hasContent ? Origin : lastDot ?? Origin);
        return new ConfigPath(keys);
    }
}
