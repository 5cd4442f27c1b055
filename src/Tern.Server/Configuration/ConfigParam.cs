namespace Tern.Server.Configuration;

/// <summary>How a config parameter may change.</summary>
[Flags]
public enum ConfigFlags
{
    None = 0,
    /// <summary>Only at start-up (CONFIG SET answers "can't set immutable config").</summary>
    Immutable = 1,
    /// <summary>Hidden from CONFIG REWRITE when equal to the default.</summary>
    Sensitive = 2,
    /// <summary>Protected: CONFIG SET needs enable-protected-configs.</summary>
    Protected = 4,
    /// <summary>May be given several times in a config file (values accumulate).</summary>
    Multi = 8,
}

/// <summary>
/// One configuration parameter: its Redis name and aliases, how to read it as CONFIG GET prints it, and how to
/// set it from text (returning an error message or null).
/// </summary>
public sealed class ConfigParam
{
    public ConfigParam(string name, Func<string> get, Func<string, string?> set, ConfigFlags flags = ConfigFlags.None, params string[] aliases)
    {
        Name = name;
        Get = get;
        Set = set;
        Flags = flags;
        Aliases = aliases;
        Default = get();
    }

    public string Name { get; }
    public string[] Aliases { get; }
    public Func<string> Get { get; }

    /// <summary>Validates and applies a value; returns an error text (as Redis words it) or null.</summary>
    public Func<string, string?> Set { get; }

    public ConfigFlags Flags { get; }

    /// <summary>The value at start-up before any file or flag (CONFIG REWRITE leaves defaults out).</summary>
    public string Default { get; }
}
