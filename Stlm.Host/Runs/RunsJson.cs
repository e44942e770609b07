using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stlm.Host.Runs;

/// <summary>How the run commands print --json: camelCase, indented, nulls left out.</summary>
public static class RunsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A diverged evaluation's NaN is printed as "NaN" rather than failing the whole listing.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Print<T>(T value) => Console.Out.Write(JsonSerializer.Serialize(value, Options) + "\n");
}
