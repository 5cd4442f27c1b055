using Tern.Server;
using Tern.Server.Configuration;

// tern [/path/to/tern.conf] [--name value ...]

// Run socket continuations on the epoll threads (one per core) instead of hopping to the thread pool: at one
// request per round trip the hop costs more than the command. The runtime reads these variables when the first
// socket is created, so they are set before anything else. Measured in bench/RESULTS.md.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT") == null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
// SIGINT and SIGTERM shut down as Redis does: a final save when save points are configured, and no exit when
// that save fails.
void ShutdownOnSignal(string name)
{
    server.Log.Warning($"Received {name} scheduling shutdown...");
    if (server.Saves.SaveBeforeExit()) server.Shutdown();
    else server.Log.Warning($"{name} received but errors trying to shut down the server, check the logs for more information");
}
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    ThreadPool.QueueUserWorkItem(_ => ShutdownOnSignal("SIGINT"));
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    ThreadPool.QueueUserWorkItem(_ => ShutdownOnSignal("SIGTERM"));
});
AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
await server.Stopped;
return 0;
