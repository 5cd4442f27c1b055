using System.Text;
using System.Text.Json;
using Tern.Protocol;

namespace Tern.Server.Commands;

/// <summary>A command handler: reads arguments from the context, runs keyspace operations, writes the reply.</summary>
public delegate void CommandHandler(CommandContext ctx);

/// <summary>
/// Finds the key positions of a command whose keys move (numkeys arguments, options). Writes argument indexes
/// into <paramref name="positions"/> and returns how many; returns -1 when the arguments are malformed (the
/// handler will report the error).
/// </summary>
public delegate int KeyExtractor(CommandArgs args, Span<int> positions);

/// <summary>One command or subcommand: metadata captured from Redis plus Tern's handler and statistics id.</summary>
public sealed class CommandDef
{
    internal CommandDef(string fullName, JsonElement info, JsonElement docs)
    {
        FullName = fullName;
        NameBytes = Encoding.ASCII.GetBytes(fullName);
        Info = info;
        Docs = docs;
        Arity = info[1].GetInt32();
        foreach (var f in info[2].GetProperty("~").EnumerateArray())
            Flags |= CommandFlagNames.Parse(f.GetProperty("+").GetString()!);
        FirstKey = info[3].GetInt32();
        LastKey = info[4].GetInt32();
        Step = info[5].GetInt32();
        foreach (var c in info[6].GetProperty("~").EnumerateArray())
        {
            if (c.GetProperty("+").GetString() is { } cat) AclCategories.Add(cat);
        }
    }

    /// <summary>Lower-case name as Redis prints it in errors and stats: "get", "config|get".</summary>
    public string FullName { get; }

    /// <summary>Name bytes (lower case); for a subcommand, its own part after '|'.</summary>
    public byte[] NameBytes { get; internal set; }

    public int Arity { get; }
    public CommandFlags Flags { get; internal set; }
    public int FirstKey { get; }
    public int LastKey { get; }
    public int Step { get; }
    public List<string> AclCategories { get; } = [];

    /// <summary>The COMMAND INFO entry captured from Redis (RESP3 types kept).</summary>
    public JsonElement Info { get; }

    /// <summary>The COMMAND DOCS entry captured from Redis.</summary>
    public JsonElement Docs { get; }

    public CommandHandler? Handler { get; internal set; }
    public KeyExtractor? KeyExtractor { get; internal set; }

    /// <summary>Subcommands of a container command (CONFIG, CLIENT ...), by lower-case name.</summary>
    public Dictionary<string, CommandDef>? Subcommands { get; internal set; }

    public CommandDef? Parent { get; internal set; }

    /// <summary>Index into per-thread statistics arrays.</summary>
    public int Id { get; internal set; }

    /// <summary>Lock every shard while this runs (FLUSHALL, SWAPDB).</summary>
    public bool LocksAll { get; internal set; }

    /// <summary>
    /// The handler takes the shard locks of its keys itself, for parts of its work only (MIGRATE waits on the network
    /// without holding them), and records its propagated form under them through <see cref="Dispatcher.PropagateNow"/>.
    /// Inside EXEC the transaction's locks are held anyway (the locks are re-entrant).
    /// </summary>
    public bool LocksOwnKeys { get; internal set; }

    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    public bool HasKeys => FirstKey > 0 || KeyExtractor != null;

    public bool IsContainer => Subcommands != null;

    public override string ToString() => FullName;
}
