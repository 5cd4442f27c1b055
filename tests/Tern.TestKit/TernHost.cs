using Tern.Server;
using Tern.Server.Configuration;

namespace Tern.TestKit;

/// <summary>
/// Tern in-process on a free loopback port (bound to 127.0.0.1, DEBUG enabled, persistence in a temporary
/// directory). Extra "--name value" options work as on the command line.
/// </summary>
public sealed class TernHost : IDisposable
{
    public TernHost(params string[] extraArgs)
    {
        Dir = Directory.CreateTempSubdirectory("tern-test-").FullName;
        var config = new ServerConfig();
        var args = new List<string> { "--port", "0", "--bind", "127.0.0.1", "--enable-debug-command", "yes", "--dir", Dir, "--save", "", "--loglevel", "warning" };
        args.AddRange(extraArgs);
        var errors = ConfigLoader.ApplyArgs(config, [.. args]);
        if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors));
        Server = new TernServer(config);
        Server.Start();
    }

    public TernServer Server { get; }
    public int Port => Server.Port;
    public string Dir { get; }

    public RespClient Connect() => new(Port);

    public void Dispose()
    {
        Server.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
