using Spectre.Console;
using Spectre.Console.Rendering;

namespace Stlm.Host.Progress;

/// <summary>A Spectre progress column showing one part of the display's current snapshot.</summary>
sealed class SnapshotColumn(ProgressDisplay display, Func<ProgressSnapshot, string> part) : ProgressColumn
{
    protected override bool NoWrap => true;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(part(display.Snapshot()), new Style(Color.Grey));
}
