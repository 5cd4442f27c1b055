using System.Security.Cryptography;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Families;
using Tern.Server.Info;
using Tern.Server.Network;
using Tern.Server.Storage;

namespace Tern.Server;

/// <summary>
/// One Tern server: configuration, keyspace, command table, dispatcher, clients and background work. The
/// executable and the test kit both host it; tests run it in-process on port 0.
/// </summary>
public sealed class TernServer : IDisposable, IKeyspaceEvents
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _cron;

    public TernServer(ServerConfig config)
    {
        Config = config;
        Log.Configure(config.LogLevel, config.LogFile);
        Keyspace = new Keyspace(config.Databases) { Events = this };
        Commands = new CommandTable();
        CommandFamilies.RegisterAll(Commands);
        Stats = new ServerStats(Commands.All.Count);
        Metrics = new ServerMetrics(this);
        Dispatcher = new Dispatcher(this);
        SlowLog = new SlowLog(this);
        Blocking = new Blocking.BlockingCoordinator(this);
        Listener = new Listener(this);
        KeyspaceNotifier = new KeyspaceNotifier(this);
        Saves = new Persistence.SaveCoordinator(this);
        RunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        Replication = new Replication.ReplicationManager(this);
        // A snapshot records the replication history it belongs to (repl-id, repl-offset AUX fields), as
        // rdbPopulateSaveInfo does; a full resync uses the same cut offset.
        Saves.OffsetAtCut = () => Replication.Offset;
        Saves.ReplId = () => Replication.Log.ReplId;
        ApplyEvictionConfig();
        Keyspace.ResetSharedClocks(Clock.UnixMs());
        config.Changed += OnConfigChanged;
    }

    public ServerConfig Config { get; }
    public Log Log { get; } = new();
    public Keyspace Keyspace { get; }
    public CommandTable Commands { get; }
    public Dispatcher Dispatcher { get; }
    public ServerStats Stats { get; }
    public ServerMetrics Metrics { get; }
    public SlowLog SlowLog { get; }
    public Monitors Monitors { get; } = new();
    public Blocking.BlockingCoordinator Blocking { get; }
    public ClientRegistry Clients { get; } = new();

    /// <summary>Loads, saves, the function libraries a load carried, INFO persistence's figures.</summary>
    public Persistence.PersistenceState Persistence { get; } = new();

    /// <summary>SAVE, BGSAVE, save points and their INFO figures.</summary>
    public Persistence.SaveCoordinator Saves { get; }

    /// <summary>Channels, patterns and shard channels with their subscribers.</summary>
    public PubSubRegistry PubSub { get; } = new();
    public Listener Listener { get; }

    /// <summary>Replication ids, offset and backlog, and the link to the primary while this server is a replica.</summary>
    public Replication.ReplicationManager Replication { get; }

    /// <summary>40 hex characters, new at every start (INFO server run_id).</summary>
    public string RunId { get; }

    public long StartedMs { get; } = Clock.UnixMs();

    /// <summary>Where writes go in their propagated form (the replication log); null while nobody listens.</summary>
    public IPropagationSink? PropagationSink { get; set; }

    /// <summary>Where keyspace notifications go (pub/sub); null until pub/sub is wired.</summary>
    public IKeyspaceNotifier? KeyspaceNotifier { get; set; }

    /// <summary>True while a dataset loads (commands without the "loading" flag answer -LOADING).</summary>
    public bool Loading { get; set; }

    /// <summary>True when this server replicates from a primary and replica-read-only is on.</summary>
    public bool IsReadOnlyReplica => Keyspace.IsReplica && Config.ReplicaReadOnly;

    /// <summary>The port the server listens on (the real one when configured as 0).</summary>
    public int Port => Listener.Port;

    /// <summary>Set when SHUTDOWN ran: the host process should exit.</summary>
    public Task Stopped => _stoppedTcs.Task;
    private readonly TaskCompletionSource _stoppedTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts listening, loads dir/dbfilename when it exists (clients meanwhile get -LOADING), then starts the
    /// background work. A file that cannot be loaded stops the start with an <see cref="InvalidOperationException"/>
    /// naming offset, key and type, as Redis exits rather than serve without its data.
    /// </summary>
    public void Start()
    {
        Listener.Start();
        Tern.Server.Persistence.StartupLoader.LoadAtStart(this);
        _cron = new Thread(CronLoop) { IsBackground = true, Name = "tern-cron" };
        _cron.Start();
        Log.Notice($"Ready to accept connections tcp (port {Port})");
        // replicaof in the config file or --replicaof: start replicating once the listener knows its port.
        if (Config.ReplicaOfHost is { } primary)
        {
            if (Replication.IsSelf(primary, Config.ReplicaOfPort))
            {
                Log.Warning($"replicaof {primary} {Config.ReplicaOfPort} names this server itself: not replicating");
                Config.ReplicaOfHost = null;
            }
            else
            {
                Replication.SetPrimary(primary, Config.ReplicaOfPort, atStartup: true);
            }
        }
    }

    /// <summary>
    /// Background work, Config.Hz times a second: active expiry, client timeouts, and the samples INFO shows
    /// (instantaneous rates, peak memory, avg_ttl).
    /// </summary>
    private void CronLoop()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            long hz = Math.Clamp(Config.Hz, 1, 500);
            if (token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(1000.0 / hz))) break;
            try
            {
                // Each tick looks at a slice of every shard; about 25% of keys-with-TTL slots per second at hz 10.
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                Keyspace.ActiveExpireCycle(256, Clock.UnixMs());
                Metrics.ExpireCycleDone(System.Diagnostics.Stopwatch.GetTimestamp() - started);
                CloseTimedOutClients();
                Saves.Cron();
                Replication.Cron();
                Metrics.Cron(Clock.UnixMs());
            }
            catch (Exception e)
            {
                Log.Warning($"Background cycle failed: {e}");
            }
        }
    }

    private void CloseTimedOutClients() => Clients.CloseIdle(Config.Timeout, Clock.UnixMs(), Log);

    private void OnConfigChanged(string name)
    {
        if (name is "loglevel" or "logfile") Log.Configure(Config.LogLevel, "");
        if (name is "maxmemory" or "maxmemory-policy" or "lfu-log-factor" or "lfu-decay-time") ApplyEvictionConfig();
    }

    /// <summary>
    /// The keyspace keeps LFU counters instead of LRU times while an LFU policy is selected, and shares small
    /// integers unless maxmemory is set with an LRU/LFU policy.
    /// </summary>
    private void ApplyEvictionConfig()
    {
        var policy = Config.MaxMemoryPolicy;
        Keyspace.Lfu = policy.EndsWith("-lfu", StringComparison.Ordinal);
        // MAXMEMORY_FLAG_NO_SHARED_INTEGERS: with a limit and an LRU/LFU policy each value gets its own object.
        Keyspace.ShareIntegers = Config.MaxMemory == 0 ||
            !(policy.EndsWith("-lru", StringComparison.Ordinal) || policy.EndsWith("-lfu", StringComparison.Ordinal));
        Keyspace.LfuLogFactor = Config.LfuLogFactor;
        Keyspace.LfuDecayTime = Config.LfuDecayTime;
    }

    void IKeyspaceEvents.OnAdded(int db, ReadOnlySpan<byte> key)
    {
        if ((Config.NotifyKeyspaceEvents & ServerConfig.Notify.New) != 0)
            KeyspaceNotifier?.Publish(db, ServerConfig.Notify.New, "new"u8, key);
    }

    void IKeyspaceEvents.OnExpired(int db, ReadOnlySpan<byte> key)
    {
        if ((Config.NotifyKeyspaceEvents & ServerConfig.Notify.Expired) != 0)
            KeyspaceNotifier?.Publish(db, ServerConfig.Notify.Expired, "expired"u8, key);
        // A primary tells its replicas about expiry with a DEL, as Redis 7.0 does (propagateDeletion).
        var sink = PropagationSink;
        if (sink == null) return;
        var p = new PropagationBuffer();
        p.Begin(2);
        p.Arg("DEL"u8);
        p.Arg(key);
        sink.Append(db, p.Bytes, 1);
    }

    /// <summary>SHUTDOWN: stop listening, close clients, signal the host.</summary>
    public void Shutdown()
    {
        Log.Warning("User requested shutdown...");
        Dispose();
        _stoppedTcs.TrySetResult();
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        Replication.Shutdown();
        Listener.Stop();
        foreach (var c in Clients.Snapshot()) c.Close();
        _stoppedTcs.TrySetResult();
    }
}
