namespace Tern.Server.Info;

/// <summary>
/// INFO replication with Redis 7.0's fields, names, order and formats (server.c genRedisInfoString): the replica
/// fields in every link state, then the fields both roles print. connected_slaves and a slaveN line
/// per replica attached to this server.
/// </summary>
public static class ReplicationInfo
{
    internal static void Write(TernServer s, InfoBuilder.InfoWriter w)
    {
        var repl = s.Replication;
        var cfg = s.Config;
        var link = repl.Link;
        w.Section("Replication");
        w.Field("role", link == null ? "master" : "slave");
        if (link != null)
        {
            var i = link.Snapshot();
            // Offsets: the live master client's, else the cached master's, else 1 (as Redis).
            long applied = i.HasMasterClient || i.HasCached ? i.AppliedOffset : 1;
            long read = i.HasMasterClient ? i.ReadOffset : i.HasCached ? i.AppliedOffset : 1;
            w.Field("master_host", link.Host);
            w.Field("master_port", link.Port);
            w.Field("master_link_status", i.State == Replication.LinkState.Connected ? "up" : "down");
            w.Field("master_last_io_seconds_ago", i.LastIoSecondsAgo);
            w.Field("master_sync_in_progress", i.State == Replication.LinkState.Transfer ? 1 : 0);
            w.Field("slave_read_repl_offset", read);
            w.Field("slave_repl_offset", applied);
            if (i.State == Replication.LinkState.Transfer)
            {
                double perc = i.TransferSize != 0 ? (double)i.TransferRead / i.TransferSize * 100 : 0;
                w.Field("master_sync_total_bytes", i.TransferSize);
                w.Field("master_sync_read_bytes", i.TransferRead);
                w.Field("master_sync_left_bytes", i.TransferSize - i.TransferRead);
                w.Fixed2("master_sync_perc", perc);
                w.Field("master_sync_last_io_seconds_ago", i.TransferLastIoSecondsAgo);
            }
            if (i.State != Replication.LinkState.Connected) w.Field("master_link_down_since_seconds", i.DownSinceSecondsAgo);
            w.Field("slave_priority", cfg.ReplicaPriority);
            w.Field("slave_read_only", cfg.ReplicaReadOnly ? 1 : 0);
            w.Field("replica_announced", cfg.ReplicaAnnounced ? 1 : 0);
        }
        // Every replica after SYNC/PSYNC, in any state (listLength(server.slaves)).
        var feeds = repl.Log.Feeds();
        w.Field("connected_slaves", feeds.Length);
        if (cfg.MinReplicasToWrite > 0 && cfg.MinReplicasMaxLag > 0) w.Field("min_slaves_good_slaves", repl.GoodReplicas());
        long now = Storage.Clock.UnixMs();
        for (int i = 0; i < feeds.Length; i++)
        {
            var f = feeds[i];
            string state = f.State switch
            {
                Replication.FeedState.WaitBgsave => "wait_bgsave",
                Replication.FeedState.SendBulk => "send_bulk",
                _ => "online",
            };
            w.Field($"slave{i}", $"ip={f.Ip},port={f.ListeningPort},state={state},offset={Interlocked.Read(ref f.AckOffset)},lag={(now - f.AckTimeMs) / 1000}");
        }
        var st = repl.Log.Snapshot();
        w.Field("master_failover_state", "no-failover");
        w.Field("master_replid", st.ReplId);
        w.Field("master_replid2", st.ReplId2);
        w.Field("master_repl_offset", st.Offset);
        w.Field("second_repl_offset", st.SecondOffset);
        w.Field("repl_backlog_active", st.BacklogActive ? 1 : 0);
        w.Field("repl_backlog_size", st.BacklogSize);
        w.Field("repl_backlog_first_byte_offset", st.FirstByte);
        w.Field("repl_backlog_histlen", st.Histlen);
    }
}
