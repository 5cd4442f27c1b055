using System.Globalization;
using System.Text;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>Helpers for replication tests: INFO fields, sync waits, dataset builders and a type-aware comparison.</summary>
internal static class ReplicationKit
{
    public static Dictionary<string, string> Info(RespClient c, string section = "replication")
    {
        var text = c.Call("INFO", section).Text ?? "";
        var d = new Dictionary<string, string>();
        foreach (var line in text.Split("\r\n"))
        {
            int i = line.IndexOf(':');
            if (i > 0 && !line.StartsWith('#')) d[line[..i]] = line[(i + 1)..];
        }
        return d;
    }

    public static long Num(Dictionary<string, string> info, string field) => long.Parse(info[field], CultureInfo.InvariantCulture);

    /// <summary>Waits for the link to be up and Tern's applied offset to equal the primary's offset.</summary>
    public static void WaitCaughtUp(RespClient primary, RespClient tern, string what = "the replica to catch up", int seconds = 30)
    {
        Wait.Until(() =>
        {
            var t = Info(tern);
            if (!t.TryGetValue("master_link_status", out var s) || s != "up") return false;
            var p = Info(primary);
            return t["slave_repl_offset"] == p["master_repl_offset"];
        }, TimeSpan.FromSeconds(seconds), what);
    }

    /// <summary>
    /// A dataset with every type in both encodings (the persistence tests' <see cref="PersistenceData.FillAllTypes"/>),
    /// plus in each of the 16 databases strings, a binary key, a TTL, small collections and an incompressible value
    /// of about <paramref name="bigBytes"/>/16 bytes, which sizes the transfer for the tests that cut or hold it.
    /// </summary>
    public static void Populate(RespClient c, int bigBytes = 300_000)
    {
        PersistenceData.FillAllTypes(c, big: false);
        for (int db = 0; db < 16; db++)
        {
            c.Call("SELECT", db);
            var p = $"v:{db}:";
            c.Call("SET", p + "int", 12345 + db);
            c.Call("SET", p + "str", "hello-" + db);
            c.Call("SET", p + "big", Incompressible(bigBytes / 16 + db, db));
            c.Call("SET", Encoding.Latin1.GetBytes(p + "bin\0\xff\r\n"), new byte[] { 0, 1, 2, 255, 13, 10 });
            c.Call("SET", p + "ttl", "t", "PX", 3_600_000 + db);
            c.Call("RPUSH", p + "list", "a", "b", "1", "2");
            c.Call("HSET", p + "hash", "f1", "v1", "f2", "2");
            c.Call("SADD", p + "set", 1, 2, 3, -7);
            c.Call("ZADD", p + "zset", 1, "a", 2.5, "b");
            c.Call("EXPIRE", p + "zset", 7200);
        }
        c.Call("SELECT", 0);
    }

    /// <summary>Bytes LZF cannot shrink, so the RDB really carries them.</summary>
    public static byte[] Incompressible(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>DEBUG DIGEST equal, and per database the same keys with the same type, value digest and expiry.</summary>
    public static void AssertSameData(RespClient primary, RespClient tern)
    {
        Assert.Equal(primary.Call("DEBUG", "DIGEST").Text, tern.Call("DEBUG", "DIGEST").Text);
        for (int db = 0; db < 16; db++)
        {
            primary.Call("SELECT", db);
            tern.Call("SELECT", db);
            Assert.Equal(primary.Call("DBSIZE").Text, tern.Call("DBSIZE").Text);
            string cursor = "0";
            do
            {
                var r = primary.Call("SCAN", cursor, "COUNT", 500);
                cursor = r.Items![0].Text!;
                foreach (var k in r.Items[1].Items!)
                {
                    var key = Encoding.Latin1.GetBytes(k.Text!);
                    Assert.Equal(primary.Call("TYPE", key).Text, tern.Call("TYPE", key).Text);
                    Assert.Equal(primary.Call("DEBUG", "DIGEST-VALUE", key).ToString(), tern.Call("DEBUG", "DIGEST-VALUE", key).ToString());
                    Assert.Equal(primary.Call("PEXPIRETIME", key).Text, tern.Call("PEXPIRETIME", key).Text);
                }
            } while (cursor != "0");
        }
        primary.Call("SELECT", 0);
        tern.Call("SELECT", 0);
    }
}
