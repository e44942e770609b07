return Stlm.Host.Cli.Run(args);
