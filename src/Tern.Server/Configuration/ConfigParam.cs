namespace Tern.Server.Configuration;

/// <summary>How a config parameter may change and how CONFIG treats it (Redis's *_CONFIG flags).</summary>
[Flags]
public enum ConfigFlags
{
    None = 0,
    /// <summary>Only at start-up (CONFIG SET answers "can't set immutable config").</summary>
    Immutable = 1,
    /// <summary>A secret: CONFIG SET redacts its value in SLOWLOG.</summary>
    Sensitive = 2,
    /// <summary>CONFIG SET needs enable-protected-configs (Redis's PROTECTED_CONFIG).</summary>
    Protected = 4,
    /// <summary>Takes several words (save, bind, client-output-buffer-limit); CONFIG SET splits the value on spaces.</summary>
    MultiArg = 8,
}

/// <summary>How a parameter's value is written back by CONFIG REWRITE (Redis's rewrite functions per type).</summary>
public enum ConfigType
{
    /// <summary>yes/no.</summary>
    Bool,
    /// <summary>A plain integer.</summary>
    Integer,
    /// <summary>A byte count: CONFIG GET prints bytes, CONFIG REWRITE writes "1mb" when it divides evenly.</summary>
    Memory,
    /// <summary>One word out of a list.</summary>
    Enum,
    /// <summary>A string; REWRITE quotes it. <see cref="ConfigParam.EmptyIsNull"/> makes "" mean "unset".</summary>
    String,
    /// <summary>A parameter with its own rewrite function.</summary>
    Special,
}

/// <summary>Writes a parameter into a rewrite state (for <see cref="ConfigType.Special"/> parameters).</summary>
public delegate void ConfigRewriteFn(ConfigRewriter state, ConfigParam param);

/// <summary>
/// One configuration parameter: its Redis name and aliases, how CONFIG GET prints it, how to set it from words
/// (returning an error text as Redis words it, or null), and how CONFIG REWRITE writes it.
/// </summary>
public sealed class ConfigParam
{
    public ConfigParam(string name, ConfigType type, Func<string> get, Func<string[], string?> set,
        ConfigFlags flags = ConfigFlags.None, string? alias = null)
    {
        Name = name;
        Type = type;
        Get = get;
        Set = set;
        Flags = flags;
        Alias = alias;
        Default = get();
    }

    /// <summary>The primary name, as CONFIG GET * and CONFIG REWRITE print it.</summary>
    public string Name { get; }

    /// <summary>The old name Redis still accepts (slave-read-only for replica-read-only), or null.</summary>
    public string? Alias { get; }

    public ConfigType Type { get; }

    public Func<string> Get { get; }

    /// <summary>
    /// Validates and applies a value given as words (one word unless <see cref="ConfigFlags.MultiArg"/>);
    /// returns an error text or null. A failed set leaves the value unchanged.
    /// </summary>
    public Func<string[], string?> Set { get; }

    public ConfigFlags Flags { get; }

    /// <summary>The value at start-up before any file or flag (CONFIG REWRITE leaves defaults out).</summary>
    public string Default { get; }

    /// <summary>For strings: the empty string means "not set" (REWRITE removes the directive).</summary>
    public bool EmptyIsNull { get; init; }

    /// <summary>For <see cref="ConfigType.Special"/>: writes the directive lines into a rewrite.</summary>
    public ConfigRewriteFn? Rewrite { get; init; }

    public bool IsMultiArg => (Flags & ConfigFlags.MultiArg) != 0;

    /// <summary>Sets from one string, splitting multi-word values on single spaces as CONFIG SET does.</summary>
    public string? SetValue(string value) => Set(IsMultiArg ? value.Split(' ') : [value]);

    public override string ToString() => Name;
}
