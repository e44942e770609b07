using Stlm.Model;

namespace Stlm.Actors.Configuration;

/// <summary>
/// A configuration the user can fix: bad syntax, an unresolved substitution, a wrong type or an
/// unknown key. The message is one line that names the place (file:line:col) and the fix.
/// </summary>
public sealed class ConfigException : StlmException
{
    public ConfigOrigin Origin { get; }

    public ConfigException(ConfigOrigin origin, string message) : base($"{message} at {origin}") => Origin = origin;

    public ConfigException(ConfigOrigin origin, string message, string fix) : base($"{message} at {origin}; {fix}") => Origin = origin;
}
