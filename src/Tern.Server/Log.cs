namespace Tern.Server;

/// <summary>
/// The server log in Redis's line format ("pid:M 28 Nov 2026 17:01:12.345 * message"), to stdout or logfile,
/// filtered by loglevel.
/// </summary>
public sealed class Log
{
    private readonly object _lock = new();
    private TextWriter _out = Console.Out;
    private int _level = 2;
    private readonly int _pid = Environment.ProcessId;

    public void Configure(string level, string file)
    {
        _level = level switch { "debug" => 0, "verbose" => 1, "notice" => 2, "warning" => 3, _ => 4 };
        if (file.Length > 0)
        {
            var w = new StreamWriter(new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            lock (_lock) _out = w;
        }
    }

    /// <summary>Role letter Redis prints after the pid: M primary, S replica.</summary>
    public char Role { get; set; } = 'M';

    public void Debug(string m) => Write(0, '.', m);
    public void Verbose(string m) => Write(1, '-', m);
    public void Notice(string m) => Write(2, '*', m);
    public void Warning(string m) => Write(3, '#', m);

    private void Write(int level, char mark, string message)
    {
        if (level < _level) return;
        var now = DateTime.Now;
        string line = $"{_pid}:{Role} {now:dd MMM yyyy HH:mm:ss.fff} {mark} {message}";
        lock (_lock)
        {
            try
            {
                _out.WriteLine(line);
                _out.Flush();
            }
            catch (IOException)
            {
                // A closed stdout must not stop the server.
            }
        }
    }
}
