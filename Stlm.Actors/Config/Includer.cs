using System.Reflection;

namespace Stlm.Actors.Configuration;

internal enum IncludeKind { Heuristic, File, Classpath, Url }

internal sealed record IncludeRequest(IncludeKind Kind, string Name, bool Required, ConfigOrigin Origin);

/// <summary>
/// Finds and parses included files, relative to the including file's folder. A name without a
/// known extension tries .conf, .json and .properties and merges what exists (.conf wins).
/// `classpath("x")` reads the resource x embedded in this assembly (where reference.conf lives).
/// Missing includes are empty unless required(); an include cycle is an error.
/// </summary>
internal sealed class Includer(string baseDirectory, IReadOnlyList<string> chain)
{
    static readonly string[] Extensions = [".conf", ".json", ".properties"];

    public static Includer ForFile(string file) =>
        new(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", [Path.GetFullPath(file)]);

    public static Includer ForText(string? baseDirectory) => new(baseDirectory ?? Directory.GetCurrentDirectory(), []);

    public ConfigObject Include(IncludeRequest request, ConfigPath under)
    {
        if (request.Kind == IncludeKind.Url)
            throw new ConfigException(request.Origin, $"url() includes are not supported (\"{request.Name}\")", "download the file and include it with file(\"…\")");
        if (request.Kind == IncludeKind.Classpath)
            return IncludeResource(request, under);

        var path = Path.IsPathRooted(request.Name) ? request.Name : Path.Combine(baseDirectory, request.Name);
        var candidates = Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()) ? [path] : Extensions.Select(e => path + e).ToArray();
        var found = candidates.Where(File.Exists).ToList();
        if (found.Count == 0)
        {
            if (request.Required)
                throw new ConfigException(request.Origin, $"required include \"{request.Name}\" not found (looked for {string.Join(", ", candidates)})",
                    "create the file, fix its name, or drop required( ) to make it optional");
            return ConfigObject.Empty(request.Origin);
        }

        // Lowest priority first: .properties, then .json, then .conf.
        return found.OrderByDescending(f => Array.IndexOf(Extensions, Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => ParseIncluded(f, request, under))
            .Aggregate(ConfigObject.Empty(request.Origin), (below, top) => Merger.MergeObjects(top, below));
    }

    ConfigObject ParseIncluded(string file, IncludeRequest request, ConfigPath under)
    {
        var full = Path.GetFullPath(file);
        if (chain.Contains(full))
            throw new ConfigException(request.Origin, $"include cycle: {string.Join(" -> ", chain.Append(full).Select(Path.GetFileName))}", "remove one of the includes");
        var text = File.ReadAllText(full);
        if (Path.GetExtension(full).Equals(".properties", StringComparison.OrdinalIgnoreCase))
            return PropertiesParser.Parse(text, file);
        var nested = new Includer(Path.GetDirectoryName(full) ?? ".", [.. chain, full]);
        return HoconParser.Parse(text, file, under, nested);
    }

    ConfigObject IncludeResource(IncludeRequest request, ConfigPath under)
    {
        var text = EmbeddedResource.TryRead(request.Name);
        if (text is null)
        {
            if (request.Required)
                throw new ConfigException(request.Origin, $"required include classpath(\"{request.Name}\") not found among the embedded resources", "use file(\"…\") for files on disk");
            return ConfigObject.Empty(request.Origin);
        }
        return HoconParser.Parse(text, $"resource:{request.Name}", under, new Includer(baseDirectory, [.. chain, "resource:" + request.Name]));
    }
}

/// <summary>Configuration files embedded in Stlm.Actors (hocon/reference.conf), addressed by their file name.</summary>
internal static class EmbeddedResource
{
    public static string? TryRead(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(r => r == name || r.EndsWith("." + name, StringComparison.Ordinal) || r.EndsWith("/" + name, StringComparison.Ordinal));
        if (resource is null) return null;
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var text = new StreamReader(stream);
        return text.ReadToEnd();
    }
}
