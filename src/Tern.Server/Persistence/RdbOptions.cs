using Tern.Rdb;
using Tern.Server.Configuration;

namespace Tern.Server.Persistence;

/// <summary>The RDB writer's encoding thresholds taken from the server's configuration (SAVE, BGSAVE, DUMP).</summary>
public static class RdbOptions
{
    /// <summary>
    /// The thresholds Redis 7.0 would apply when saving under this configuration, so a value is written in the
    /// encoding Redis would choose for it (listpack, intset ...).
    /// </summary>
    public static RdbWriterOptions Writer(ServerConfig c, bool compress) => new()
    {
        Compress = compress,
        HashMaxListpackEntries = Clamp(c.HashMaxListpackEntries),
        HashMaxListpackValue = Clamp(c.HashMaxListpackValue),
        ZSetMaxListpackEntries = Clamp(c.ZSetMaxListpackEntries),
        ZSetMaxListpackValue = Clamp(c.ZSetMaxListpackValue),
        SetMaxIntsetEntries = Clamp(c.SetMaxIntsetEntries),
        ListMaxListpackSize = (int)Math.Clamp(c.ListMaxListpackSize, int.MinValue, int.MaxValue),
        StreamNodeMaxBytes = Clamp(c.StreamNodeMaxBytes),
        StreamNodeMaxEntries = Clamp(c.StreamNodeMaxEntries),
    };

    private static int Clamp(long v) => (int)Math.Clamp(v, 0, int.MaxValue);
}
