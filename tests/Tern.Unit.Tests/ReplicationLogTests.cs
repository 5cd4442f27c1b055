using System.Text;
using Tern.Server.Replication;

namespace Tern.Unit.Tests;

/// <summary>The replication log's offsets, ids and backlog ring, against Redis's definitions (replication.c).</summary>
public sealed class ReplicationLogTests
{
    private static readonly byte[] Set = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$1\r\n1\r\n"); // 28 bytes

    [Fact]
    public void WithoutBacklogNothingMoves()
    {
        var log = new ReplicationLog();
        log.Append(0, Set, 1);
        var st = log.Snapshot();
        Assert.Equal(0, st.Offset);
        Assert.False(st.BacklogActive);
        Assert.Equal(0, st.FirstByte);
        Assert.Equal(0, st.Histlen);
        Assert.Matches("^[0-9a-f]{40}$", st.ReplId);
        Assert.Equal(ReplicationLog.ZeroId, st.ReplId2);
        Assert.Equal(-1, st.SecondOffset);
    }

    [Fact]
    public void SelectIsInsertedWhenTheDatabaseChanges()
    {
        var log = new ReplicationLog();
        log.AdoptPrimaryHistory(new string('a', 40), 1000);
        Assert.Equal(1001, log.Snapshot().FirstByte);
        log.Proxying = false;
        log.Append(0, Set, 1);
        log.Append(0, Set, 1);
        log.Append(3, Set, 1);
        // SELECT 0 (23) + SET + SET + SELECT 3 (23) + SET
        Assert.Equal(1000 + 23 + 28 * 3 + 23, log.Offset);
        var text = Encoding.ASCII.GetString(log.ReadFrom(1001)!);
        Assert.StartsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET", text);
        Assert.Contains("$6\r\nSELECT\r\n$1\r\n3\r\n", text);
        Assert.Null(log.ReadFrom(1000));
        Assert.Empty(log.ReadFrom(log.Offset + 1)!);
        Assert.Null(log.ReadFrom(log.Offset + 2));
    }

    [Fact]
    public void ProxyingIgnoresLocalWritesAndKeepsThePrimarysBytes()
    {
        var log = new ReplicationLog();
        log.AdoptPrimaryHistory(new string('b', 40), 10);
        log.Proxying = true;
        log.Append(0, Set, 1);
        Assert.Equal(10, log.Offset);
        log.FeedFromPrimary(Set);
        Assert.Equal(38, log.Offset);
        Assert.Equal(Set, log.ReadFrom(11));
    }

    [Fact]
    public void RingKeepsTheLastBacklogSizeBytes()
    {
        var log = new ReplicationLog();
        log.Resize(1); // raised to 16 KB
        log.AdoptPrimaryHistory(new string('c', 40), 0);
        log.Proxying = true;
        var chunk = new byte[1000];
        for (int i = 0; i < 40; i++)
        {
            Array.Fill(chunk, (byte)i);
            log.FeedFromPrimary(chunk);
        }
        var st = log.Snapshot();
        Assert.Equal(16384, st.BacklogSize);
        Assert.Equal(40_000, st.Offset);
        Assert.Equal(16384, st.Histlen);
        Assert.Equal(40_000 - 16384 + 1, st.FirstByte);
        var tail = log.ReadFrom(39_001)!;
        Assert.All(tail, b => Assert.Equal(39, b));
        Assert.Equal(38, log.ReadFrom(st.FirstByte + 16384 - 1001)![0]);
        // Growing keeps the history; shrinking keeps the newest bytes.
        log.Resize(32 * 1024);
        Assert.Equal(16384, log.Snapshot().Histlen);
        Assert.Equal(tail, log.ReadFrom(39_001));
    }

    [Fact]
    public void ShiftAndContinueMoveTheIdsAsRedis()
    {
        var log = new ReplicationLog();
        log.AdoptPrimaryHistory(new string('d', 40), 2012);
        var st = log.ShiftReplicationId();
        Assert.Equal(new string('d', 40), st.ReplId2);
        Assert.Equal(2013, st.SecondOffset);
        Assert.Equal(2012, st.Offset);
        Assert.NotEqual(new string('d', 40), st.ReplId);
        Assert.True(st.BacklogActive);
        log.ContinueWithNewId(new string('e', 40));
        st = log.Snapshot();
        Assert.Equal(new string('e', 40), st.ReplId);
        Assert.Equal(2013, st.SecondOffset);
    }
}

/// <summary>The replicaof directive: config file and CONFIG REWRITE, as Redis's special replicaof config.</summary>
public sealed class ReplicaOfConfigTests
{
    [Fact]
    public void ReplicaOfIsReadAndRewritten()
    {
        var c = new Tern.Server.Configuration.ServerConfig();
        var errors = new List<string>();
        const string text = "port 7000\nslaveof 10.0.0.1 6379\nmasterauth secret\n";
        Assert.True(Tern.Server.Configuration.ConfigLoader.ApplyText(c, text, errors), string.Join("\n", errors));
        Assert.Equal("10.0.0.1", c.ReplicaOfHost);
        Assert.Equal(6379, c.ReplicaOfPort);
        Assert.Equal("10.0.0.1 6379", c.Find("replicaof")!.Get());
        var rewritten = Tern.Server.Configuration.ConfigRewriter.Rewrite(c, text);
        Assert.StartsWith("port 7000\nreplicaof 10.0.0.1 6379\n", rewritten);
        // A primary writes no replicaof line and removes the old one.
        c.ReplicaOfHost = null;
        var asPrimary = Tern.Server.Configuration.ConfigRewriter.Rewrite(c, text);
        Assert.DoesNotContain("slaveof", asPrimary);
        Assert.DoesNotContain("replicaof", asPrimary);
        errors.Clear();
        Assert.False(Tern.Server.Configuration.ConfigLoader.ApplyText(new Tern.Server.Configuration.ServerConfig(), "replicaof 1.2.3.4 99999\n", errors));
        Assert.Contains("Invalid master port", string.Join("\n", errors));
    }
}
