namespace Tern.Server.Persistence;

/// <summary>
/// What the server remembers about persistence: the last load (INFO's loading_* and rdb_last_load_* fields),
/// the function libraries and "lua" AUX values a loaded RDB carried (written back unchanged by every save even
/// though Tern does not run scripts yet), and the saves (see <see cref="SaveCoordinator"/>).
/// </summary>
public sealed class PersistenceState
{
    private readonly Lock _lock = new();
    private List<byte[]> _functions = [];
    private List<byte[]> _luaAux = [];

    /// <summary>FUNCTION2 library sources of the last load, in file order.</summary>
    public IReadOnlyList<byte[]> Functions
    {
        get
        {
            lock (_lock) return _functions;
        }
    }

    /// <summary>Values of "lua" AUX fields of the last load, in file order.</summary>
    public IReadOnlyList<byte[]> LuaAux
    {
        get
        {
            lock (_lock) return _luaAux;
        }
    }

    /// <summary>Replaces the libraries and lua AUX values (a load succeeded).</summary>
    public void SetScripts(List<byte[]> functions, List<byte[]> luaAux)
    {
        lock (_lock)
        {
            _functions = functions;
            _luaAux = luaAux;
        }
    }

    /// <summary>The snapshot in progress (one at a time), or null.</summary>
    public Snapshotter? RunningSnapshot;

    // ---- loading progress (INFO persistence while loading:1) ----

    /// <summary>Unix seconds when the current load began.</summary>
    public long LoadingStartTime;

    /// <summary>Stopwatch timestamp of the load's start (for the ETA).</summary>
    public long LoadingStartTicks;

    /// <summary>Size of what is being loaded, 0 when unknown (a diskless transfer).</summary>
    public long LoadingTotalBytes;

    /// <summary>Bytes consumed so far (updated as the reader advances).</summary>
    public long LoadingLoadedBytes;

    /// <summary>The "used-mem" AUX of the file being loaded.</summary>
    public long LoadingRdbUsedMem;

    // ---- last load (INFO persistence) ----

    public long LastLoadKeysLoaded;
    public long LastLoadKeysExpired;
}
