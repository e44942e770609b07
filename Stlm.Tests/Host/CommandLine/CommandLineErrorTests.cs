using Stlm.Tests.Support;

namespace Stlm.Tests.Host.CommandLine;

public class CommandLineErrorTests
{
    [Fact]
    public void An_unknown_option_gives_one_line_and_a_nonzero_exit()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "--no-such-option");
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("--no-such-option", lines[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
