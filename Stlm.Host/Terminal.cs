using Spectre.Console;

namespace Stlm.Host;

/// <summary>
/// The human-facing output stream (stderr, so stdout stays clean for --json and data). Log
/// lines and progress share it: while a live progress bar is drawn, lines go through the same
/// Spectre console so they print above the bar instead of tearing it.
/// </summary>
public sealed class Terminal(TextWriter writer, bool canShowLive)
{
    public static Terminal Stderr { get; } = new(Console.Error, DetectLive());

    readonly Lock gate = new();
    IAnsiConsole? live;

    public TextWriter Writer { get; } = writer;

    /// <summary>A real terminal that redraws in place: not redirected, not CI, not TERM=dumb.</summary>
    public bool CanShowLive { get; } = canShowLive;

    public void WriteLine(string text, Style? style = null)
    {
        lock (gate)
        {
            if (live is { } console)
            {
                console.Write(new Text(text, style ?? Style.Plain));
                console.WriteLine();
            }
            else
            {
                Writer.WriteLine(text);
                Writer.Flush();
            }
        }
    }

    internal IAnsiConsole CreateConsole() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Writer),
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Detect,
    });

    internal void BeginLive(IAnsiConsole console)
    {
        lock (gate) live = console;
    }

    internal void EndLive()
    {
        lock (gate) live = null;
    }

    static bool DetectLive() =>
        !Console.IsErrorRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");
}
