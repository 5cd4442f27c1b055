using System.Text;
using Tern.Protocol;

namespace Tern.Server.Configuration;

/// <summary>
/// Reads configuration the way redis-server 7.0 does: an optional config file as the first argument, then
/// "--name value ..." options, which become config lines appended after the file ("--port 7000" is the line
/// "port 7000"), so a flag overrides the file. Lines are split with Redis's quoting rules (sdssplitargs), "#" starts
/// a comment line, "include path" reads another file (relative paths are relative to the working directory, and a
/// wildcard in the file name includes every match). The first bad line stops everything with Redis's message:
/// <code>
/// Reading the configuration file, at line 4
/// &gt;&gt;&gt; 'foo bar'
/// Bad directive or wrong number of arguments
/// </code>
/// </summary>
public static class ConfigLoader
{
    private const int MaxIncludeDepth = 16;

    /// <summary>
    /// Applies command-line arguments to <paramref name="config"/>. Returns the lines of the fatal error message
    /// (empty when everything applied).
    /// </summary>
    public static List<string> ApplyArgs(ServerConfig config, string[] args)
    {
        var errors = new List<string>();
        int j = 0;
        string text = "";
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            string path = Path.GetFullPath(args[0]);
            config.ConfigFile = path;
            if (!TryReadFile(path, out text, errors)) return errors;
            j = 1;
        }
        string options = BuildOptions(args, j, out bool fromStdin);
        if (fromStdin) text += Console.In.ReadToEnd();
        if (options.Length > 0 || args.Length > 0) text += "\n" + options;
        config.ReadingConfigFile = true;
        try
        {
            ApplyText(config, text, errors, 0);
        }
        finally
        {
            config.ReadingConfigFile = false;
        }
        if (errors.Count == 0 && config.LogFile.Length > 0)
        {
            // As Redis: the log file must be writable before the server starts.
            try
            {
                using var f = new FileStream(config.LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                errors.Add("Can't open the log file: " + Strerror(e));
            }
        }
        return errors;
    }

    /// <summary>
    /// Turns "--name value ..." arguments into config lines as redis-server's main() does: each "--name" starts a
    /// line, each other argument is appended quoted. A "--name" that has no value yet takes the next argument as
    /// its value even when it starts with "--"; a bare "--save" becomes save "". A lone "-" as the first or last
    /// argument reads more configuration from standard input.
    /// </summary>
    public static string BuildOptions(string[] args, int start, out bool fromStdin)
    {
        fromStdin = false;
        var sb = new StringBuilder();
        bool handledLast = true;
        for (int j = start; j < args.Length; j++)
        {
            string a = args[j];
            if (a == "-" && (j == 0 || j == args.Length - 1))
            {
                fromStdin = true;
            }
            else if (handledLast && a.StartsWith("--", StringComparison.Ordinal))
            {
                if (sb.Length > 0) sb.Append('\n');
                sb.Append(a, 2, a.Length - 2).Append(' ');
                var words = SplitArgs(a);
                if (words is { Length: 1 })
                {
                    // Only a name: its value is the next argument.
                    handledLast = false;
                    bool nextIsOption = j != args.Length - 1 && args[j + 1].StartsWith("--", StringComparison.Ordinal);
                    if (a.Equals("--save", StringComparison.OrdinalIgnoreCase) && (nextIsOption || j == args.Length - 1))
                    {
                        // "--save" with nothing after it means save "" (as before Redis 7.0.1).
                        sb.Append("\"\"");
                        handledLast = nextIsOption;
                    }
                }
                else
                {
                    // "--port 6380" given as one argument.
                    handledLast = true;
                }
            }
            else
            {
                sb.Append(ConfigRewriter.Repr(a)).Append(' ');
                handledLast = true;
            }
        }
        return sb.ToString();
    }

    private static bool TryReadFile(string path, out string text, List<string> errors)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            text = "";
            errors.Add($"Fatal error, can't open config file '{path}': {Strerror(e)}");
            return false;
        }
    }

    private static string Strerror(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };

    /// <summary>Splits one line with sdssplitargs rules; null when quotes are unbalanced.</summary>
    public static string[]? SplitArgs(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var parsed = new CommandArgs();
        if (!RequestParser.SplitArgs(bytes, parsed)) return null;
        parsed.Rebase(bytes, 0);
        var words = new string[parsed.Count];
        for (int k = 0; k < parsed.Count; k++) words[k] = Encoding.UTF8.GetString(parsed[k]);
        return words;
    }

    /// <summary>
    /// Applies redis.conf text (Redis's loadServerConfigFromString). Stops at the first error, adding its
    /// message lines to <paramref name="errors"/>; returns false then.
    /// </summary>
    public static bool ApplyText(ServerConfig config, string text, List<string> errors, int depth = 0)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim(' ', '\t', '\r', '\n');
            if (line.Length == 0 || line[0] == '#') continue;
            string? err = ApplyLine(config, line, errors, depth, out bool nestedFailed);
            if (nestedFailed) return false;
            if (err != null)
            {
                errors.Add($"Reading the configuration file, at line {i + 1}");
                errors.Add($">>> '{line}'");
                errors.Add(err);
                return false;
            }
        }
        // Redis clamps hz after loading so that out-of-range values in old files still start.
        config.Hz = Math.Clamp(config.Hz, 1, 500);
        return true;
    }

    private static string? ApplyLine(ServerConfig config, string line, List<string> errors, int depth, out bool nestedFailed)
    {
        nestedFailed = false;
        var argv = SplitArgs(line);
        if (argv == null) return "Unbalanced quotes in configuration line";
        if (argv.Length == 0) return null;
        string name = argv[0].ToLowerInvariant();
        var p = config.Find(name);
        if (p != null)
        {
            if (!p.IsMultiArg && argv.Length != 2) return "wrong number of arguments";
            string[] values;
            if (p.IsMultiArg && argv.Length == 2 && argv[1].Length > 0)
            {
                // A multi-word value given as one quoted argument: save "3600 1 300 100".
                values = SplitArgs(argv[1]) ?? [argv[1]];
            }
            else
            {
                values = argv[1..];
            }
            return p.Set(values);
        }
        // Redis 7.0 still accepts and ignores these renamed directives.
        if (name is "list-max-ziplist-entries" or "list-max-ziplist-value" or "lua-replicate-commands" && argv.Length == 2)
            return null;
        if (name == "include" && argv.Length == 2)
        {
            if (!Include(config, argv[1], errors, depth)) nestedFailed = true;
            return null;
        }
        return "Bad directive or wrong number of arguments";
    }

    /// <summary>include: one file, or every file matching a wildcard in the last path component (none is fine).</summary>
    private static bool Include(ServerConfig config, string path, List<string> errors, int depth)
    {
        if (depth >= MaxIncludeDepth)
        {
            errors.Add($"Fatal error, can't open config file '{path}': too many levels of include");
            return false;
        }
        var files = new List<string>();
        if (path.IndexOfAny(['*', '?', '[']) >= 0)
        {
            string dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            string pattern = Path.GetFileName(path);
            if (Directory.Exists(dir))
            {
                var pat = Encoding.UTF8.GetBytes(pattern);
                foreach (var f in Directory.GetFiles(dir))
                {
                    string fname = Path.GetFileName(f);
                    // glob(3) leaves out hidden files unless the pattern starts with a dot.
                    if (fname.StartsWith('.') && !pattern.StartsWith('.')) continue;
                    if (Glob.Match(pat, Encoding.UTF8.GetBytes(fname))) files.Add(Path.Combine(Path.GetDirectoryName(path) ?? "", fname));
                }
                files.Sort(StringComparer.Ordinal);
            }
        }
        else
        {
            files.Add(path);
        }
        var sb = new StringBuilder();
        foreach (var f in files)
        {
            if (!TryReadFile(f, out string text, errors)) return false;
            sb.Append(text);
        }
        return ApplyText(config, sb.ToString(), errors, depth + 1);
    }
}
