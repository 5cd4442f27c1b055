using System.Globalization;
using Tern.Server.Storage;

namespace Tern.Server.Info;

/// <summary>
/// The fields of INFO persistence, in Redis 7.0's order (server.c genRedisInfoString). There is no fork: the
/// "cow" fields report the forkless snapshot's extra memory (chunks and pre-write copies not yet written), which
/// is what a fork's copy-on-write costs Redis. Tern has no append-only file: the aof_* fields say so.
/// </summary>
public static class PersistenceInfo
{
    public static void Write(TernServer s, Action<string, string> field)
    {
        var saves = s.Saves;
        var p = s.Persistence;
        var snap = p.RunningSnapshot;
        long now = Clock.UnixMs() / 1000;
        bool bg = saves.BgsaveInProgress;
        long total = saves.CurrentKeysTotal, processed = snap?.KeysWritten ?? 0;
        field("loading", s.Loading ? "1" : "0");
        field("async_loading", "0");
        field("current_cow_peak", N(snap?.PeakExtraBytes ?? 0));
        field("current_cow_size", N(snap?.ExtraBytes ?? 0));
        field("current_cow_size_age", "0");
        field("current_fork_perc", (bg && total > 0 ? Math.Min(100.0, processed * 100.0 / total) : 0).ToString("F2", CultureInfo.InvariantCulture));
        field("current_save_keys_processed", N(bg ? processed : 0));
        field("current_save_keys_total", N(bg ? total : 0));
        field("rdb_changes_since_last_save", N(saves.ChangesSinceLastSave));
        field("rdb_bgsave_in_progress", bg ? "1" : "0");
        field("rdb_last_save_time", N(saves.LastSaveUnix));
        field("rdb_last_bgsave_status", saves.LastBgsaveOk ? "ok" : "err");
        field("rdb_last_bgsave_time_sec", N(saves.LastBgsaveTimeSec));
        field("rdb_current_bgsave_time_sec", N(bg ? now - saves.BgsaveStartUnix : -1));
        field("rdb_saves", N(saves.Saves));
        field("rdb_last_cow_size", N(saves.LastExtraBytes));
        field("rdb_last_load_keys_expired", N(p.LastLoadKeysExpired));
        field("rdb_last_load_keys_loaded", N(p.LastLoadKeysLoaded));
        field("aof_enabled", "0");
        field("aof_rewrite_in_progress", "0");
        field("aof_rewrite_scheduled", "0");
        field("aof_last_rewrite_time_sec", "-1");
        field("aof_current_rewrite_time_sec", "-1");
        field("aof_last_bgrewrite_status", "ok");
        field("aof_rewrites", "0");
        field("aof_rewrites_consecutive_failures", "0");
        field("aof_last_write_status", "ok");
        field("aof_last_cow_size", "0");
        field("module_fork_in_progress", "0");
        field("module_fork_last_cow_size", "0");
        if (!s.Loading) return;
        // As Redis: progress against the file size, or against used-mem when the size is unknown (diskless).
        double perc = 0;
        long remaining = 1, loaded = p.LoadingLoadedBytes;
        if (p.LoadingTotalBytes > 0)
        {
            perc = (double)loaded / p.LoadingTotalBytes * 100;
            remaining = p.LoadingTotalBytes - loaded;
        }
        else if (p.LoadingRdbUsedMem > 0)
        {
            perc = Math.Min(99.99, (double)loaded / p.LoadingRdbUsedMem * 100);
            remaining = Math.Max(1, p.LoadingRdbUsedMem - loaded);
        }
        long elapsed = now - p.LoadingStartTime;
        long eta = elapsed == 0 ? 1 : elapsed * remaining / (loaded + 1);
        field("loading_start_time", N(p.LoadingStartTime));
        field("loading_total_bytes", N(p.LoadingTotalBytes));
        field("loading_rdb_used_mem", N(p.LoadingRdbUsedMem));
        field("loading_loaded_bytes", N(loaded));
        field("loading_loaded_perc", perc.ToString("F2", CultureInfo.InvariantCulture));
        field("loading_eta_seconds", N(eta));
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}
