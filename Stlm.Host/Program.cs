return Stlm.Host.CommandLine.Cli.Run(args);
