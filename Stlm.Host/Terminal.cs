using Spectre.Console;

namespace Stlm.Host;

/// <summary>
/// The human-facing output stream (stderr, so stdout stays clean for --json and data). Log
/// lines and progress share it: while a live progress bar is drawn, lines go through the same
/// Spectre console so they print above the bar instead of tearing it.
/// </summary>
public sealed class Terminal(TextWriter writer, bool canShowLive)
{
    public static Terminal Stderr { get; } = new(System.Console.Error, DetectLive());

    readonly Lock gate = new();
    IAnsiConsole? live;

    public TextWriter Writer { get; } = writer;

    /// <summary>A real terminal that redraws in place: not redirected, not CI, not TERM=dumb.</summary>
    public bool CanShowLive { get; } = canShowLive;

    public void WriteLine(string text, Style? style = null)
    {
        lock (gate)
        {
            if (live is { } liveConsole)
            {
                liveConsole.Write(new Text(text, style ?? Style.Plain));
                liveConsole.WriteLine();
            }
            else
            {
                Writer.WriteLine(text);
                Writer.Flush();
            }
        }
    }

    /// <summary>One Spectre console per terminal, so Spectre itself refuses a second live display on it.</summary>
    internal IAnsiConsole Console => console.Value;

    readonly Lazy<IAnsiConsole> console = new(() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = AnsiSupport.Detect,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.Detect,
    }));

    internal void BeginLive()
    {
        lock (gate) live = Console;
    }

    internal void EndLive()
    {
        lock (gate) live = null;
    }

    static bool DetectLive() =>
        !System.Console.IsErrorRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");
}
