using System.Text;
using Tern.Protocol;

namespace Tern.Server.Configuration;

/// <summary>
/// Reads configuration the way redis-server does: an optional config file as the first argument, then
/// "--name value ..." options (each option's words run until the next "--"). Both become redis.conf lines,
/// applied in order, so a flag overrides the file. Lines are split with Redis's quoting rules.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Applies command-line arguments to <paramref name="config"/>; returns error messages.</summary>
    public static List<string> ApplyArgs(ServerConfig config, string[] args)
    {
        var errors = new List<string>();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            config.ConfigFile = args[0];
            try
            {
                ApplyFile(config, args[0], errors, 0);
            }
            catch (IOException e)
            {
                errors.Add($"Fatal error, can't open config file '{args[0]}': {e.Message}");
            }
            i = 1;
        }
        var lines = new StringBuilder();
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (lines.Length > 0) lines.Append('\n');
                lines.Append(a[2..]);
            }
            else
            {
                lines.Append(' ').Append(Quote(a));
            }
        }
        ApplyText(config, lines.ToString(), "(command line)", errors, 0);
        return errors;
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    public static void ApplyFile(ServerConfig config, string path, List<string> errors, int depth)
    {
        if (depth > 16)
        {
            errors.Add($"include nesting too deep at '{path}'");
            return;
        }
        ApplyText(config, File.ReadAllText(path), path, errors, depth);
    }

    /// <summary>Applies redis.conf text: one directive per line, '#' comments, quoting, include.</summary>
    public static void ApplyText(ServerConfig config, string text, string source, List<string> errors, int depth)
    {
        var multi = new Dictionary<ConfigParam, List<string>>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var bytes = Encoding.UTF8.GetBytes(line);
            var parsed = new CommandArgs();
            if (!RequestParser.SplitArgs(bytes, parsed))
            {
                errors.Add($"{source}:{lineNo}: Unbalanced quotes in configuration line");
                continue;
            }
            parsed.Rebase(bytes, 0);
            if (parsed.Count == 0) continue;
            string name = Encoding.UTF8.GetString(parsed[0]).ToLowerInvariant();
            var values = new List<string>();
            for (int k = 1; k < parsed.Count; k++) values.Add(Encoding.UTF8.GetString(parsed[k]));
            if (name == "include")
            {
                if (values.Count != 1)
                {
                    errors.Add($"{source}:{lineNo}: include takes one file");
                    continue;
                }
                try
                {
                    ApplyFile(config, values[0], errors, depth + 1);
                }
                catch (IOException e)
                {
                    errors.Add($"{source}:{lineNo}: can't open included file '{values[0]}': {e.Message}");
                }
                continue;
            }
            var p = config.Find(name);
            if (p == null)
            {
                errors.Add($"{source}:{lineNo}: Bad directive or wrong number of arguments ('{name}')");
                continue;
            }
            string value = string.Join(' ', values);
            if ((p.Flags & ConfigFlags.Multi) != 0)
            {
                // "save 3600 1" twice accumulates; an empty value resets.
                if (!multi.TryGetValue(p, out var acc)) multi[p] = acc = [];
                if (value.Length == 0) acc.Clear();
                else acc.Add(value);
                value = string.Join(' ', acc);
            }
            var err = p.Set(value);
            if (err != null) errors.Add($"{source}:{lineNo}: '{name}' {err}");
        }
    }
}
