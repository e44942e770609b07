using System.CommandLine;
using Serilog.Context;
using Stlm.Host;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host;

public class LoggingTests : IDisposable
{
    readonly DirectoryInfo data = Directory.CreateTempSubdirectory("stlm-log-");

    public void Dispose() => data.Delete(recursive: true);

    string FileText() => string.Join("", Directory.GetFiles(Logging.LogFolder(data.FullName), "stlm-*.log").Select(File.ReadAllText));

    [Fact]
    public void The_file_names_the_run_and_actor_of_each_line()
    {
        using (var log = Logging.CreateLogger(new Logging.Options(data.FullName, Verbose: false, Console: null)))
        {
            using (LogContext.PushProperty("RunId", "run-7f3a"))
                log.ForContext("ActorPath", "/user/run-7f3a/trainer").Information("step {Step} loss {Loss}", 12, 3.25);
            log.Information("no context here");
        }
        var lines = FileText().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d INF run=run-7f3a actor=/user/run-7f3a/trainer step 12 loss 3.25$", lines[0]);
        Assert.EndsWith(" INF no context here", lines[1]);
    }

    [Fact]
    public void The_file_keeps_debug_lines_while_the_console_shows_information_unless_verbose()
    {
        foreach (var verbose in new[] { false, true })
        {
            var console = new StringWriter();
            using (var log = Logging.CreateLogger(new Logging.Options(data.FullName, verbose, new Terminal(console, canShowLive: false))))
            {
                log.ForContext<LoggingTests>().Debug("detail {Mode}", verbose ? "verbose" : "quiet");
                log.Warning("careful");
            }
            Assert.Equal(verbose, console.ToString().Contains("detail"));
            Assert.Contains("WRN careful", console.ToString());
            Assert.Contains($"DBG LoggingTests: detail {(verbose ? "verbose" : "quiet")}", FileText());
        }
    }

    [Fact]
    public void An_exception_is_one_line_on_the_console_unless_verbose_and_its_stack_stays_in_the_file()
    {
        static Exception Thrown()
        {
            try { throw new AggregateException(new IOException("the journal query was cut")); }
            catch (Exception e) { return e; }
        }
        foreach (var verbose in new[] { false, true })
        {
            var console = new StringWriter();
            using (var log = Logging.CreateLogger(new Logging.Options(data.FullName, verbose, new Terminal(console, canShowLive: false))))
            {
                log.Warning(Thrown(), "checkpoint retention failed; older checkpoints are kept for now");
                log.Error(Thrown(), "run {Run} cannot start: {Problem}", "r-1", "the journal query was cut");
            }
            var lines = console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (verbose)
            {
                Assert.Contains(lines, l => l.Contains("   at "));
                continue;
            }
            Assert.Equal(2, lines.Length);
            Assert.EndsWith("WRN checkpoint retention failed; older checkpoints are kept for now (the journal query was cut)", lines[0]);
            Assert.EndsWith("ERR run r-1 cannot start: the journal query was cut", lines[1]);
        }
        Assert.Contains("   at ", FileText());
    }

    [Fact]
    public void A_cluster_member_s_dropped_connections_go_to_the_file_only_unless_verbose()
    {
        var console = new StringWriter();
        using (var log = Logging.CreateLogger(new Logging.Options(data.FullName, Verbose: false, new Terminal(console, canShowLive: false))))
        {
            // As Akka.Remote's transport says them while a member stops.
            log.Warning("Association with remote system {0} has failed", "akka.tcp://stlm@10.0.0.5:4053");
            log.Warning("Unable to REMOVE channel [{0}->{1}](Id={2}) from connection group. May not shut down cleanly.", "[::1]:43830", "[::1]:4053", "a1");
            log.Warning("careful");
        }
        Assert.Equal("WRN careful", console.ToString().Trim()[9..]);
        Assert.Contains("Unable to REMOVE channel", FileText());
    }

    [Fact]
    public void Only_commands_marked_for_logging_want_it()
    {
        var logged = new Command("train").WithLogging();
        Assert.True(Logging.Wants(logged));
        Assert.False(Logging.Wants(new Command("inspect")));
    }

    [Fact]
    public void Help_starts_no_logging()
    {
        var r = StlmProcess.Run(data.FullName, new Dictionary<string, string> { ["STLM_DATA_DIR"] = data.FullName }, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.False(Directory.Exists(Logging.LogFolder(data.FullName)));
    }
}
