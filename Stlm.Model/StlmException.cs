namespace Stlm.Model;

/// <summary>
/// A problem the user can fix: bad input, a missing file, a config error. Its message is one
/// actionable line (what, where, how to fix); the command line prints it without a stack trace
/// and exits non-zero. Anything else that escapes is a bug in Stlm.
/// </summary>
public class StlmException : Exception
{
    public StlmException(string message) : base(message) { }
    public StlmException(string message, Exception inner) : base(message, inner) { }
}
