using System.Text;

namespace Tern.Server.Network;

/// <summary>CLIENT REPLY modes.</summary>
public enum ReplyMode : byte { On, Off, Skip, SkipNext }

/// <summary>Redis's client classes (CLIENT_TYPE_*): a MONITOR client counts as normal.</summary>
public enum ClientType : byte { Normal, Replica, PubSub, Master }

/// <summary>
/// The state of one client connection as Redis keeps it: id, name, database, protocol, authentication, flags
/// and the figures CLIENT LIST prints. The I/O loop lives in <see cref="Connection"/>.
/// </summary>
public sealed class Client
{
    private static long _nextId;

    public Client(string addr, string laddr)
    {
        Id = Interlocked.Increment(ref _nextId);
        Addr = addr;
        LocalAddr = laddr;
        CreatedMs = Storage.Clock.UnixMs();
        LastInteractionMs = CreatedMs;
    }

    public long Id { get; }
    public string Addr { get; }
    public string LocalAddr { get; }
    public long CreatedMs { get; }
    public long LastInteractionMs;

    /// <summary>Name set by CLIENT SETNAME or HELLO SETNAME (null = none).</summary>
    public byte[]? Name;
    public byte[]? LibName;
    public byte[]? LibVer;

    public int Db;
    public bool Authenticated;
    public string User = "default";

    public ReplyMode ReplyMode;
    public bool NoEvict;
    public bool NoTouch;

    /// <summary>The link from our primary: its commands are applied, never answered.</summary>
    public bool IsPrimaryLink;

    /// <summary>A replica attached to this server (after SYNC/PSYNC).</summary>
    public bool IsReplica;

    /// <summary>What REPLCONF announced and, after SYNC/PSYNC, the replica's stream (null for other clients).</summary>
    public Replication.ReplicaFeed? ReplicaFeed;

    /// <summary>The replication offset after this client's last propagated write (Redis's woff, the WAIT target).</summary>
    public long WriteOffset;

    public bool IsMonitor;

    /// <summary>
    /// Set while the connection waits instead of running its next command: <see cref="ClientPause.Postponed"/>
    /// for CLIENT PAUSE, or a blocking command's wait (BLPOP ...). Redis shows such a client with flag 'b' and
    /// counts it in blocked_clients. Only the client's own connection sets and clears it.
    /// </summary>
    public volatile BlockedWait? Blocked;

    /// <summary>
    /// Arguments of the current command that MONITOR must show as "(redacted)" (bit i = argument i): AUTH and
    /// HELLO AUTH passwords, as Redis's redactClientCommandArgument. Cleared when the command has been fed.
    /// </summary>
    public ulong RedactedArgs;

    /// <summary>Set by CLIENT KILL or a limit: the connection closes after its current batch.</summary>
    public volatile bool KillRequested;

    /// <summary>Close after the current reply is sent (QUIT, protocol error).</summary>
    public bool CloseAfterReply;

    /// <summary>Name of the last command run, for CLIENT LIST "cmd=".</summary>
    public string LastCommand = "NULL";

    /// <summary>Bytes in the query buffer and output buffer, refreshed by the connection for CLIENT LIST.</summary>
    public int QueryBufferLength;
    public int QueryBufferCapacity;
    public int OutputBufferLength;

    /// <summary>Pub/Sub subscription counts (channels, patterns, shard channels), for CLIENT LIST and RESP2 context checks.</summary>
    public int SubscribedChannels;
    public int SubscribedPatterns;
    public int SubscribedShardChannels;

    public bool InMulti;

    public int Protocol = 2;

    /// <summary>The connection that serves this client (null for internal clients).</summary>
    public Connection? Connection { get; internal set; }

    public bool IsSubscribed => SubscribedChannels + SubscribedPatterns + SubscribedShardChannels > 0;

    public bool IsBlocked => Blocked != null;

    /// <summary>
    /// Not closed by the idle <c>timeout</c>: replicas and monitors, the primary link, blocked and paused
    /// clients, Pub/Sub subscribers (Redis's clientsCronHandleTimeout).
    /// </summary>
    public bool IdleTimeoutExempt => IsReplica || IsMonitor || IsPrimaryLink || IsBlocked || IsSubscribed;

    /// <summary>Redis's client class (getClientType): what CLIENT LIST/KILL TYPE and output limits go by.</summary>
    public ClientType Type =>
        IsPrimaryLink ? ClientType.Master :
        IsReplica ? ClientType.Replica :
        IsSubscribed ? ClientType.PubSub : ClientType.Normal;

    /// <summary>CLIENT LIST "flags=" letters, in Redis's order (catClientInfoString).</summary>
    public string FlagString()
    {
        var sb = new StringBuilder();
        if (IsMonitor) sb.Append('O');
        else if (IsReplica) sb.Append('S');
        if (IsPrimaryLink) sb.Append('M');
        if (IsSubscribed) sb.Append('P');
        if (InMulti) sb.Append('x');
        if (IsBlocked) sb.Append('b');
        if (CloseAfterReply) sb.Append('c');
        if (KillRequested) sb.Append('A');
        if (NoEvict) sb.Append('e');
        if (NoTouch) sb.Append('T');
        if (sb.Length == 0) sb.Append('N');
        return sb.ToString();
    }

    /// <summary>
    /// One CLIENT LIST / CLIENT INFO line: Redis 7.0's fields in its order, then lib-name and lib-ver as Redis 7.2
    /// appends them (Tern has CLIENT SETINFO, so it shows what was set; parsers of key=value lines take extra
    /// fields at the end).
    /// </summary>
    public string InfoLine()
    {
        long now = Storage.Clock.UnixMs();
        var sb = new StringBuilder(256);
        sb.Append("id=").Append(Id)
          .Append(" addr=").Append(Addr)
          .Append(" laddr=").Append(LocalAddr)
          .Append(" fd=").Append(Connection?.Fd ?? -1)
          .Append(" name=").Append(Name == null ? "" : Encoding.Latin1.GetString(Name))
          .Append(" age=").Append((now - CreatedMs) / 1000)
          .Append(" idle=").Append((now - LastInteractionMs) / 1000)
          .Append(" flags=").Append(FlagString())
          .Append(" db=").Append(Db)
          .Append(" sub=").Append(SubscribedChannels)
          .Append(" psub=").Append(SubscribedPatterns)
          .Append(" ssub=").Append(SubscribedShardChannels)
          .Append(" multi=").Append(InMulti ? 0 : -1)
          .Append(" qbuf=").Append(QueryBufferLength)
          .Append(" qbuf-free=").Append(Math.Max(0, QueryBufferCapacity - QueryBufferLength))
          .Append(" argv-mem=0")
          .Append(" multi-mem=0")
          .Append(" rbs=").Append(QueryBufferCapacity)
          .Append(" rbp=").Append(QueryBufferCapacity)
          .Append(" obl=").Append(OutputBufferLength)
          .Append(" oll=0")
          .Append(" omem=").Append(OutputBufferLength)
          .Append(" tot-mem=").Append(QueryBufferCapacity + OutputBufferLength + 1024)
          .Append(" events=r")
          .Append(" cmd=").Append(LastCommand)
          .Append(" user=").Append(User)
          .Append(" redir=-1")
          .Append(" resp=").Append(Protocol)
          .Append(" lib-name=").Append(LibName == null ? "" : Encoding.Latin1.GetString(LibName))
          .Append(" lib-ver=").Append(LibVer == null ? "" : Encoding.Latin1.GetString(LibVer));
        return sb.ToString();
    }
}
