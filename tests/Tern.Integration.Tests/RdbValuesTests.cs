using Tern.Rdb;
using Tern.Server;
using Tern.Server.Persistence;
using Tern.Server.Storage;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// The converters and the staged loader on their own: every type goes Tern value -> RDB model -> RdbWriter ->
/// RdbReader -> RdbLoading into another server, and comes back with the same digest and contents.
/// </summary>
public sealed class RdbValuesTests
{
    /// <summary>Writes every key of <paramref name="server"/> to an RDB in memory (all shard locks held).</summary>
    internal static byte[] WriteAll(TernServer server)
    {
        var ms = new MemoryStream();
        using (var w = new RdbWriter(ms))
        {
            w.WriteHeader();
            w.WriteAux("redis-ver", "7.0.15");
            var ks = server.Keyspace;
            ks.LockAllRead();
            try
            {
                for (int db = 0; db < ks.Databases; db++)
                {
                    bool selected = false;
                    foreach (var shard in ks.Shards)
                    {
                        var t = shard.DbIfExists(db);
                        if (t == null) continue;
                        for (int i = 0; i < t.SlotCount; i++)
                        {
                            var o = t.At(i);
                            if (o == null) continue;
                            if (!selected)
                            {
                                w.WriteSelectDb(db);
                                selected = true;
                            }
                            long exp = Entry.ExpireAt(o);
                            w.WriteKey(Entry.Key(o), RdbValues.ToRdb(o), exp == 0 ? -1 : exp);
                        }
                    }
                }
            }
            finally
            {
                ks.UnlockAll();
            }
            w.WriteEnd();
        }
        return ms.ToArray();
    }

    [Fact]
    public void EveryTypeSurvivesTheModelAndTheStagedLoad()
    {
        using var source = new TernHost();
        using var target = new TernHost();
        using var sc = source.Connect();
        using var tc = target.Connect();
        PersistenceData.FillAllTypes(sc);
        tc.Call("SET", "old", "data");
        var rdb = WriteAll(source.Server);
        var outcome = RdbLoading.LoadReplacing(target.Server, new MemoryStream(rdb), asReplica: false, rdb.Length);
        Assert.True(outcome.Result.Ok, outcome.Result.Error);
        Assert.Equal(PersistenceData.Digest(sc), PersistenceData.Digest(tc));
        // A string's encoding is decided again at load (raw becomes embstr, as in Redis): compare contents only.
        PersistenceData.AssertSame(PersistenceData.Describe(sc, encodings: false), PersistenceData.Describe(tc, encodings: false));
        Assert.Equal("7.0.15", System.Text.Encoding.ASCII.GetString(outcome.Aux["redis-ver"]));
        Assert.Equal(outcome.KeysLoaded, target.Server.Keyspace.DbSize(0) + target.Server.Keyspace.DbSize(1) +
            target.Server.Keyspace.DbSize(7) + target.Server.Keyspace.DbSize(15));
    }

    [Fact]
    public void AFailedLoadKeepsTheLiveData()
    {
        using var source = new TernHost();
        using var target = new TernHost();
        using var sc = source.Connect();
        using var tc = target.Connect();
        PersistenceData.FillAllTypes(sc, big: false);
        tc.Call("SET", "old", "data");
        string before = PersistenceData.Digest(tc);
        var rdb = WriteAll(source.Server);
        foreach (int cut in new[] { 5, 9, rdb.Length / 2, rdb.Length - 9, rdb.Length - 1 })
        {
            var outcome = RdbLoading.LoadReplacing(target.Server, new MemoryStream(rdb[..cut]), asReplica: false, cut);
            Assert.False(outcome.Result.Ok);
            Assert.False(string.IsNullOrEmpty(outcome.Result.Error));
            Assert.Equal(before, PersistenceData.Digest(tc));
        }
        var flipped = (byte[])rdb.Clone();
        flipped[rdb.Length - 3] ^= 0x40; // inside the CRC
        Assert.False(RdbLoading.LoadReplacing(target.Server, new MemoryStream(flipped), false).Result.Ok);
        Assert.Equal(before, PersistenceData.Digest(tc));
        Assert.Equal("data", tc.Call("GET", "old").Text);
    }

    [Fact]
    public void ExpiredKeysAreSkippedUnlessLoadingAsAReplica()
    {
        using var source = new TernHost();
        using var target = new TernHost();
        using var sc = source.Connect();
        using var tc = target.Connect();
        sc.Call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
        sc.Call("SET", "gone", "x", "PX", "1");
        sc.Call("SET", "stays", "y");
        Wait.Until(() => source.Server.Keyspace.Peek(0, "gone"u8) is { } o && Entry.ExpireAt(o) < Clock.UnixMs(), TimeSpan.FromSeconds(5), "expiry");
        var rdb = WriteAll(source.Server);
        var master = RdbLoading.LoadReplacing(target.Server, new MemoryStream(rdb), asReplica: false);
        Assert.Equal(1, master.KeysLoaded);
        Assert.Equal(1, master.KeysExpiredSkipped);
        var replica = RdbLoading.LoadReplacing(target.Server, new MemoryStream(rdb), asReplica: true);
        Assert.Equal(2, replica.KeysLoaded);
        Assert.NotNull(target.Server.Keyspace.Peek(0, "gone"u8));
    }
}
