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
    private Process _process;
    private readonly string[] _extraArgs;

    public RedisServerProcess(params string[] extraArgs)
    {
        Dir = Directory.CreateTempSubdirectory("tern-redis-").FullName;
        Port = FreePort();
        _extraArgs = extraArgs;
        _process = Launch();
    }

    /// <summary>Stops the server and starts a new, empty one on the same port (a primary that restarted).</summary>
    public void Restart()
    {
        Kill();
        _process.Dispose();
        _process = Launch();
    }

    private Process Launch()
    {
        string[] extraArgs = _extraArgs;
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
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start redis-server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string? pass = null;
        for (int i = 0; i + 1 < extraArgs.Length; i++)
            if (extraArgs[i] == "--requirepass") pass = extraArgs[i + 1];
        Wait.Until(() =>
        {
            try
            {
                using var c = new RespClient(Port);
                if (pass != null) c.Call("AUTH", pass);
                return c.Call("PING").Text == "+PONG";
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "redis-server to answer PING");
        return process;
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

    private void Kill()
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
    }

    public void Dispose()
    {
        Kill();
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
