using Stlm.Actors.Configuration;
using Stlm.Model;
using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

/// <summary>Bad input gives one line naming file:line:col and the fix; the positions are exact.</summary>
public class HoconErrorTests
{
    static string ErrorOf(string text)
    {
        var e = Assert.ThrowsAny<StlmException>(() => Resolve(text));
        Assert.IsType<ConfigException>(e);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("a = 1\nb = \"open\n", "unterminated quoted string at test.conf:2:5;")]
    [InlineData("a = \"\"\"never closed\n\nx", "unterminated triple-quoted string at test.conf:1:5;")]
    [InlineData("a = \"bad \\q escape\"", "bad escape `\\q` in quoted string at test.conf:1:10;")]
    [InlineData("a = \"\\u12\"", "bad unicode escape `\\u12\"` at test.conf:1:6;")]
    [InlineData("a {\n  b = 1\n", "unclosed `{` at test.conf:1:3;")]
    [InlineData("a = [1, 2", "unclosed `[` at test.conf:1:5;")]
    [InlineData("a =\n", "expected a value but found end of input at test.conf:2:1;")]
    [InlineData("a = 1\nb ! 2", "expected `=`, `:` or `{` after key `b` but found `!` at test.conf:2:3;")]
    [InlineData("a = 1 }", "expected `,` or a new line after a field but found `}` at test.conf:1:7;")]
    [InlineData("a = http://x", "expected `,` or a new line after a field but found `:` at test.conf:1:9;")]
    [InlineData("a = ${}", "bad substitution: expected a path after `${` but found `}` at test.conf:1:5;")]
    [InlineData("a = ${b", "bad substitution: expected `}` after `${b` but found end of input at test.conf:1:5;")]
    [InlineData("a = ${b c", "bad substitution: expected `}` after `${\"b c\"` but found end of input at test.conf:1:5;")]
    [InlineData("a.b. = 1", "path has an empty element (`..`, or a leading or trailing `.`) at test.conf:1:4;")]
    [InlineData("[1, 2]", "a configuration must be an object, not a list at test.conf:1:1;")]
    [InlineData("a = [1, 2 3 }", "expected `,`, a new line or `]` in a list but found `}` at test.conf:1:13;")]
    [InlineData("a = { x = 1 } \"text\"", "cannot concatenate string \"text\" with an object written before it at test.conf:1:15;")]
    [InlineData("x = 1\nb = ${x.y}", "could not resolve substitution ${x.y} at test.conf:2:5;")]
    [InlineData("a = ${a}", "could not resolve substitution ${a} at test.conf:1:5;")]
    [InlineData("include url(\"http://example.com/a.conf\")", "url() includes are not supported (\"http://example.com/a.conf\") at test.conf:1:1;")]
    [InlineData("include required(\"/no/such/file.conf\")", "required include \"/no/such/file.conf\" not found (looked for /no/such/file.conf) at test.conf:1:1;")]
    public void Bad_input_names_the_exact_position(string text, string expectedStart)
    {
        Assert.StartsWith(expectedStart, ErrorOf(text));
    }

    [Fact]
    public void A_missing_config_file_is_a_user_error()
    {
        var e = Assert.Throws<StlmException>(() => Config.ParseFile("/no/such/stlm.conf"));
        Assert.Equal("config file /no/such/stlm.conf not found (check the path given to --config)", e.Message);
    }
}
