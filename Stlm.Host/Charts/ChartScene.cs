namespace Stlm.Host.Charts;

/// <summary>
/// A chart laid out in pixels (origin top-left): the few shapes both writers know how to draw,
/// so SVG and PNG show the same picture. Role tells what a shape stands for ("series",
/// "marker", "grid", ...), which SVG keeps as a class.
/// </summary>
public abstract record ChartShape(string Role);

public sealed record ChartLine(string Role, double X1, double Y1, double X2, double Y2, string Color, double Width, bool Dashed = false) : ChartShape(Role);

public sealed record ChartPolyline(string Role, IReadOnlyList<IReadOnlyList<ChartPoint>> Segments, string Color, double Width, bool Dashed, string Name) : ChartShape(Role);

public sealed record ChartDot(string Role, double X, double Y, double Radius, string Color) : ChartShape(Role);

public sealed record ChartRect(string Role, double X, double Y, double Width, double Height, string? Fill, string? Stroke) : ChartShape(Role);

public enum TextAnchor { Start, Middle, End }

/// <param name="Vertical">Rotated a quarter turn counter-clockwise, reading bottom to top.</param>
public sealed record ChartText(string Role, double X, double Y, string Text, double Size, string Color,
    TextAnchor Anchor = TextAnchor.Start, bool Vertical = false, bool Bold = false) : ChartShape(Role);

public sealed record ChartScene(int Width, int Height, IReadOnlyList<ChartShape> Shapes);
