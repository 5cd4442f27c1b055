using Tern.Server;
using Tern.Server.Configuration;

// tern [/path/to/tern.conf] [--name value ...]
var config = new ServerConfig();
var errors = ConfigLoader.ApplyArgs(config, args);
if (errors.Count > 0)
{
    Console.Error.WriteLine("*** FATAL CONFIG FILE ERROR ***");
    foreach (var e in errors) Console.Error.WriteLine(e);
    return 1;
}

using var server = new TernServer(config);
try
{
    server.Start();
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    server.Shutdown();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
await server.Stopped;
return 0;
