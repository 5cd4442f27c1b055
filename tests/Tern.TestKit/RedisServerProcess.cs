using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tern.TestKit;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, persistence off, DEBUG enabled, in its own
/// temporary directory. Disposing stops it and removes the directory.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    private readonly Process _process;

    public RedisServerProcess(params string[] extraArgs)
    {
        Dir = Directory.CreateTempSubdirectory("tern-redis-").FullName;
        Port = FreePort();
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Dir,
        };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", Dir, "--enable-debug-command", "yes", "--daemonize", "no", "--logfile", Path.Combine(Dir, "redis.log") })
            psi.ArgumentList.Add(a);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start redis-server");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Wait.Until(() =>
        {
            try
            {
                using var c = new RespClient(Port);
                return c.Call("PING").Text == "+PONG";
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "redis-server to answer PING");
    }

    /// <summary>/usr/bin/redis-server unless TERN_REDIS_SERVER names another.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("TERN_REDIS_SERVER") ?? "/usr/bin/redis-server";

    public int Port { get; }
    public string Dir { get; }

    public string LogText => File.Exists(Path.Combine(Dir, "redis.log")) ? File.ReadAllText(Path.Combine(Dir, "redis.log")) : "";

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
