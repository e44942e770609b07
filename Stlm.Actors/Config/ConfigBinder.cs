using System.Reflection;
using System.Text;

namespace Stlm.Actors.Configuration;

/// <summary>Lets a bound record accept keys it does not declare (sections are closed by default).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OpenConfigSectionAttribute : Attribute;

/// <summary>
/// Binds a config object to a C# record: kebab-case, camelCase or snake_case keys match
/// PascalCase constructor parameters or init properties. Missing keys take the parameter's
/// default (or null when nullable), else fail; a key the record lacks fails with a "did you
/// mean" hint unless the record is [OpenConfigSection]; a wrong type fails naming the value's
/// file:line:col. Supports scalars (a long also takes a size such as 64M), TimeSpan (durations), enums, lists, string-keyed
/// dictionaries, nested records, nullable values and ConfigValue / Config pass-through.
/// </summary>
public static class ConfigBinder
{
    public static T Bind<T>(Config config, string path)
    {
        var configPath = path.Length == 0 ? ConfigPath.Root : ConfigPath.Parse(path);
        var value = configPath.IsRoot ? config.Root : config.GetValue(configPath);
        return (T)Bind(typeof(T), value, configPath.ToString(), nullable: false)!;
    }

    static object? Bind(Type type, ConfigValue value, string path, bool nullable)
    {
        if (value is ConfigNull)
            return nullable || Nullable.GetUnderlyingType(type) is not null ? null : throw WrongType(path, value, Describe(type));
        if (Nullable.GetUnderlyingType(type) is { } inner) type = inner;
        if (type == typeof(ConfigValue)) return value;
        if (type == typeof(Config) || type == typeof(ConfigObject))
        {
            if (value is not ConfigObject o) throw WrongType(path, value, "an object");
            return type == typeof(ConfigObject) ? o : Config.FromObject(o);
        }
        if (type == typeof(string))
            return value switch
            {
                ConfigString s => s.Value,
                ConfigNumber n => n.Text,
                ConfigBoolean b => b.Value ? "true" : "false",
                _ => throw WrongType(path, value, "a string"),
            };
        if (type == typeof(bool))
            return value switch
            {
                ConfigBoolean b => b.Value,
                ConfigString { Value: "true" or "yes" or "on" } => true,
                ConfigString { Value: "false" or "no" or "off" } => false,
                _ => throw WrongType(path, value, "a boolean"),
            };
        if (type == typeof(int) || type == typeof(long))
        {
            if (type == typeof(long))
                return ValueConversions.ToLong(value) ?? ValueConversions.ToBytes(value) ?? throw WrongType(path, value, $"a whole number or a size ({Units.SizeUnits})");
            var l = ValueConversions.ToLong(value) ?? throw WrongType(path, value, "a whole number");
            return l is >= int.MinValue and <= int.MaxValue ? (int)l : throw WrongType(path, value, "a whole number that fits in 32 bits");
        }
        if (type == typeof(double) || type == typeof(float))
        {
            var d = ValueConversions.ToDouble(value) ?? throw WrongType(path, value, "a number");
            return type == typeof(float) ? (float)d : d;
        }
        if (type == typeof(TimeSpan))
            return ValueConversions.ToDuration(value) ?? throw WrongType(path, value, $"a duration ({Units.DurationUnits})");
        if (type.IsEnum) return BindEnum(type, value, path);
        if (DictionaryValueType(type) is { } dictValue) return BindDictionary(type, dictValue, value, path);
        if (ListElementType(type) is { } element) return BindList(type, element, value, path);
        if (type.IsClass && type != typeof(object)) return BindRecord(type, value, path);
        throw new InvalidOperationException($"cannot bind configuration to {type.Name}");
    }

    static object BindEnum(Type type, ConfigValue value, string path)
    {
        if (value is ConfigString s)
            foreach (var name in Enum.GetNames(type))
                if (Normalize(name) == Normalize(s.Value)) return Enum.Parse(type, name);
        throw WrongType(path, value, "one of " + string.Join(", ", Enum.GetNames(type).Select(Kebab)));
    }

    static object BindList(Type type, Type element, ConfigValue value, string path)
    {
        if (value is not ConfigList list) throw WrongType(path, value, "a list");
        var array = Array.CreateInstance(element, list.Items.Count);
        for (var i = 0; i < list.Items.Count; i++)
            array.SetValue(Bind(element, list.Items[i], $"{path}[{i}]", nullable: false), i);
        if (type.IsArray || type.IsInterface) return array;
        return Activator.CreateInstance(type, array)!;
    }

    static object BindDictionary(Type type, Type valueType, ConfigValue value, string path)
    {
        if (value is not ConfigObject o) throw WrongType(path, value, "an object");
        var dict = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
        foreach (var (key, child) in o.Fields)
            dict[key] = Bind(valueType, child, Join(path, key), nullable: false);
        return dict;
    }

    static object BindRecord(Type type, ConfigValue value, string path)
    {
        if (value is not ConfigObject o) throw WrongType(path, value, $"an object ({type.Name})");
        var byName = o.Fields.Keys.ToLookup(Normalize);
        var used = new HashSet<string>();
        ConfigValue? Take(string member)
        {
            var key = byName[Normalize(member)].FirstOrDefault();
            if (key is null) return null;
            used.Add(key);
            return o.Fields[key];
        }

        var nullability = new NullabilityInfoContext(); // not thread-safe, so one per call
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"{type.Name} has no public constructor to bind configuration to");
        var parameters = constructor.GetParameters();
        var args = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            var nullable = nullability.Create(p).WriteState == NullabilityState.Nullable;
            var field = Take(p.Name!);
            if (field is not null) args[i] = Bind(p.ParameterType, field, Join(path, Kebab(p.Name!)), nullable);
            else if (p.HasDefaultValue) args[i] = p.DefaultValue;
            else if (nullable || Nullable.GetUnderlyingType(p.ParameterType) is not null) args[i] = null;
            else throw new ConfigException(o.Origin, $"missing key `{Join(path, Kebab(p.Name!))}` in the {type.Name} section", $"add `{Kebab(p.Name!)} = …` to it (or to hocon/reference.conf)");
        }
        var instance = constructor.Invoke(args);

        var covered = parameters.Select(p => Normalize(p.Name!)).ToHashSet();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite || covered.Contains(Normalize(property.Name)) || property.GetIndexParameters().Length > 0) continue;
            if (Take(property.Name) is not { } field) continue;
            var nullable = nullability.Create(property).WriteState == NullabilityState.Nullable;
            property.SetValue(instance, Bind(property.PropertyType, field, Join(path, Kebab(property.Name)), nullable));
        }

        if (type.GetCustomAttribute<OpenConfigSectionAttribute>() is null)
            foreach (var key in o.Fields.Keys.Where(k => !used.Contains(k)))
                throw UnknownKey(type, path, key, o.KeyOrigin(key));
        return instance;
    }

    static ConfigException UnknownKey(Type type, string path, string key, ConfigOrigin origin)
    {
        var known = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name!)
            .Concat(type.GetProperties().Where(p => p.CanWrite).Select(p => p.Name))
            .Select(Kebab).Distinct().ToList();
        var closest = known.OrderBy(k => Distance(k, Kebab(key))).FirstOrDefault();
        var fix = closest is not null && Distance(closest, Kebab(key)) <= Math.Max(2, closest.Length / 3)
            ? $"did you mean `{Join(path, closest)}`?"
            : known.Count > 0 ? $"known keys here: {string.Join(", ", known)}" : "this section takes no keys";
        return new ConfigException(origin, $"unknown key `{Join(path, key)}`", fix);
    }

    static Type? ListElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (!type.IsGenericType) return null;
        var def = type.GetGenericTypeDefinition();
        return def == typeof(List<>) || def == typeof(IReadOnlyList<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>) || def == typeof(IReadOnlyCollection<>)
            ? type.GetGenericArguments()[0] : null;
    }

    static Type? DictionaryValueType(Type type)
    {
        if (!type.IsGenericType) return null;
        var def = type.GetGenericTypeDefinition();
        var args = type.GetGenericArguments();
        return (def == typeof(Dictionary<,>) || def == typeof(IReadOnlyDictionary<,>) || def == typeof(IDictionary<,>)) && args[0] == typeof(string)
            ? args[1] : null;
    }

    static string Join(string path, string key) => path.Length == 0 ? ConfigPath.RenderKey(key) : $"{path}.{ConfigPath.RenderKey(key)}";

    static string Describe(Type type) => Nullable.GetUnderlyingType(type) is { } t ? Describe(t) : type == typeof(string) ? "a string" : $"a {type.Name}";

    static ConfigException WrongType(string path, ConfigValue value, string expected) =>
        new(value.Origin, $"`{path}` must be {expected} but is {value.Describe()}", "fix the value in the configuration");

    /// <summary>n-layers, nLayers, n_layers and NLayers all normalise to "nlayers".</summary>
    static string Normalize(string name) => new(name.Where(c => c is not ('-' or '_')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>NLayers → n-layers, DModel → d-model, LrWarmupSteps → lr-warmup-steps.</summary>
    public static string Kebab(string name)
    {
        var b = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '_') { b.Append('-'); continue; }
            var boundary = i > 0 && char.IsUpper(c) &&
                (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
            if (boundary && b.Length > 0 && b[^1] != '-') b.Append('-');
            b.Append(char.ToLowerInvariant(c));
        }
        return b.ToString();
    }

    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
