using System.CommandLine;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>`stlm config [--config F] [--set k=v]… [--json]`: prints the resolved configuration.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var command = new Command("config", "Print the resolved configuration (reference.conf <- --config <- --set)");
        var options = ConfigOptions.AddTo(command);
        var json = SharedOptions.Json;
        var origins = new Option<bool>("--origins") { Description = "Annotate each value with the file:line:col that set it (HOCON output)" };
        command.Options.Add(json);
        command.Options.Add(origins);
        command.SetAction(parse =>
        {
            var config = options.Load(parse);
            Console.Out.Write(parse.GetValue(json) ? config.ToJson() + "\n" : config.ToHocon(parse.GetValue(origins)));
            return 0;
        });
        return command;
    }
}
