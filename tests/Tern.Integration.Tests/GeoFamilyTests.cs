using System.Globalization;
using System.Text;
using Tern.Server.Commands;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>Geo commands, replayed against redis-server and Tern, replies compared byte for byte.</summary>
public sealed class GeoFamilyTests(Differential d) : IClassFixture<Differential>
{
    private void Reset()
    {
        d.Reset();
        d.Same("CONFIG", "SET", "zset-max-listpack-entries", "128");
        d.Same("CONFIG", "SET", "zset-max-listpack-value", "64");
    }

    private void Sicily() => d.Script("""
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2
        """);

    [Fact]
    public void AddAndErrors()
    {
        Reset();
        d.Script("""
            GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
            GEOADD Sicily NX CH 13.361389 38.115556 Palermo 15.087269 37.502669 Catania2
            GEOADD Sicily CH 13.4 38.1 Palermo
            GEOADD Sicily XX CH 13.5 38.2 Palermo 1 1 ghost
            GEOADD Sicily XX NX 1 2 m
            GEOADD Sicily 200 100 bad
            GEOADD Sicily -180.000001 0 bad
            GEOADD Sicily 0 85.05112879 bad
            GEOADD Sicily 1e300 1 bad
            GEOADD Sicily -inf 1 bad
            GEOADD Sicily -1e-320 -0.0 tiny
            GEOADD Sicily -180 -85.05112878 corner 180 85.05112878 corner2 0 0 zero
            GEOADD Sicily abc 1 x
            GEOADD Sicily 1 abc x
            GEOADD Sicily 1 2
            GEOADD Sicily 1 2 m 3
            GEOADD Sicily ch ch ch
            GEOADD Sicily GT 1 2 m
            GEOADD Sicily 1 2 m 300 2 n
            EXISTS n
            ZRANGE Sicily 0 -1 WITHSCORES
            SET str x
            GEOADD str 1 2 m
            GEOADD str 1 abc m
            """);
    }

    [Fact]
    public void PositionsHashesDistances()
    {
        Reset();
        Sicily();
        d.Script("""
            GEOADD Sicily -180 -85.05112878 corner 180 85.05112878 corner2 0 0 zero -0.0001 0.0001 nearzero
            GEOPOS Sicily Palermo Catania nosuch corner corner2 zero nearzero
            GEOPOS Sicily
            GEOPOS missing a b
            GEOHASH Sicily Palermo Catania nosuch corner corner2 zero nearzero
            GEOHASH missing a
            GEOHASH Sicily
            GEODIST Sicily Palermo Catania
            GEODIST Sicily Palermo Catania m
            GEODIST Sicily Palermo Catania KM
            GEODIST Sicily Palermo Catania mi
            GEODIST Sicily Palermo Catania ft
            GEODIST Sicily Palermo Catania furlong
            GEODIST Sicily Palermo Catania "km\x00x"
            GEODIST Sicily Palermo nosuch
            GEODIST Sicily Palermo Palermo
            GEODIST Sicily corner corner2
            GEODIST Sicily zero nearzero
            GEODIST Sicily Palermo Catania km extra
            GEODIST missing a b
            GEODIST missing a b furlong
            ZADD notgeo -5 neg 1e30 huge 3.5 frac 9007199254740993 big inf pinf -inf ninf
            GEOPOS notgeo neg huge frac big pinf ninf
            GEOHASH notgeo neg huge frac big pinf ninf
            GEODIST notgeo neg frac
            GEODIST notgeo pinf ninf km
            SET str x
            GEOPOS str a
            GEOHASH str a
            GEODIST str a b
            GEODIST str a b furlong
            """);
    }

    [Fact]
    public void RadiusSearches()
    {
        Reset();
        Sicily();
        d.Script("""
            GEORADIUS Sicily 15 37 200 km
            GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD
            GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC
            GEORADIUS Sicily 15 37 200 km withcoord withhash DESC
            GEORADIUS Sicily 15 37 200 km COUNT 1
            GEORADIUS Sicily 15 37 200 km COUNT 1 DESC
            GEORADIUS Sicily 15 37 200 km COUNT 2 ANY
            GEORADIUS Sicily 15 37 200 km ANY
            GEORADIUS Sicily 15 37 200 km COUNT 0
            GEORADIUS Sicily 15 37 200 km COUNT -3
            GEORADIUS Sicily 15 37 200 km COUNT abc
            GEORADIUS Sicily 15 37 200 km COUNT
            GEORADIUS Sicily 15 37 -1 km
            GEORADIUS Sicily 15 37 abc km
            GEORADIUS Sicily 15 37 200 parsecs
            GEORADIUS Sicily 200 37 200 km
            GEORADIUS Sicily 15 37 200 km FOO
            GEORADIUS Sicily 15 37 1 m
            GEORADIUS Sicily 15 37 0 km
            GEORADIUS missing 15 37 200 km
            GEORADIUS missing 15 37 abc km
            GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST
            GEORADIUS Sicily 15 37 200 km STORE dst
            ZRANGE dst 0 -1 WITHSCORES
            GEORADIUS Sicily 15 37 200 km STOREDIST dst2 COUNT 1
            ZRANGE dst2 0 -1 WITHSCORES
            GEORADIUS Sicily 15 37 200 km STORE dst STOREDIST dst3
            EXISTS dst3
            GEORADIUS Sicily 15 37 1 m STORE dst
            EXISTS dst
            GEORADIUS missing 15 37 1 m STORE dst2
            EXISTS dst2
            GEORADIUS_RO Sicily 15 37 200 km STORE dst
            GEORADIUS_RO Sicily 15 37 200 km WITHDIST
            GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST
            GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD COUNT 2 DESC
            GEORADIUSBYMEMBER Sicily nosuch 200 km
            GEORADIUSBYMEMBER Sicily Palermo abc km
            GEORADIUSBYMEMBER missing nosuch abc km
            GEORADIUSBYMEMBER missing nosuch abc km STORE x WITHDIST
            GEORADIUSBYMEMBER missing nosuch 1 km ANY
            GEORADIUSBYMEMBER Sicily Palermo 500 km STOREDIST near
            ZRANGE near 0 -1 WITHSCORES
            GEORADIUSBYMEMBER_RO Sicily Palermo 500 km WITHDIST WITHCOORD
            GEORADIUSBYMEMBER_RO Sicily Palermo 500 km STORE x
            SET str x
            GEORADIUS str 15 37 200 km
            GEORADIUS str 15 37 abc km
            GEORADIUSBYMEMBER str a 1 km
            GEORADIUS Sicily 15 37 200 km STORE str
            TYPE str
            """);
    }

    [Fact]
    public void Search()
    {
        Reset();
        Sicily();
        d.Script("""
            GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 200 100 mi DESC
            GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km COUNT 1 ANY
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 -400 km
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX abc 400 km
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 abc km
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 parsecs
            GEOSEARCH Sicily FROMMEMBER Palermo
            GEOSEARCH Sicily BYRADIUS 10 km
            GeoSearch Sicily BYRADIUS 10 km
            GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 2 BYRADIUS 10 km
            GEOSEARCH Sicily FROMLONLAT 1 2 FROMMEMBER Palermo BYRADIUS 10 km
            GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 10 km BYBOX 1 1 km
            GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 10 km STORE x
            GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 10 km STOREDIST
            GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 10 km
            GEOSEARCH Sicily FROMLONLAT 181 0 BYRADIUS 10 km
            GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 10 km ANY
            GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS
            GEOSEARCH missing FROMMEMBER x BYRADIUS 300 km
            GEOSEARCH missing FROMMEMBER x
            GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 300 km STOREDIST
            ZRANGE dst 0 -1 WITHSCORES
            GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 300 km WITHDIST
            GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 300 km COUNT 1
            ZRANGE dst 0 -1 WITHSCORES
            GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 300 km STORE x
            GEOSEARCHSTORE dst missing FROMMEMBER Palermo BYRADIUS 300 km
            EXISTS dst
            GEOSEARCHSTORE dst Sicily FROMLONLAT 0 0 BYRADIUS 1 m
            EXISTS dst
            """);
    }

    [Fact]
    public void WorldWideSearchesAndPoles()
    {
        Reset();
        d.Script("""
            GEOADD w -180 -85 a 180 85 b 0 0 c -179.9 0 d 179.9 0 e 0 85 f 0 -85 g 100 45 h -100 -45 i
            GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 20000 km WITHDIST
            GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 0 km WITHDIST
            GEOSEARCH w FROMLONLAT 179 85 BYBOX 5000 5000 km WITHDIST WITHCOORD
            GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 20000 km WITHDIST COUNT 2 DESC
            GEOSEARCH w FROMLONLAT 180 0 BYRADIUS 500 km WITHDIST
            GEOSEARCH w FROMLONLAT -180 0 BYBOX 1000 1000 km WITHDIST
            GEOSEARCH w FROMLONLAT 0 80 BYRADIUS 1000 km WITHDIST
            GEOSEARCH w FROMLONLAT 0 -84 BYRADIUS 1000 km WITHDIST
            GEORADIUS w 0 0 5000 km WITHDIST ASC
            GEORADIUS w 0 0 15000 km WITHHASH DESC COUNT 3
            """);
    }

    [Fact]
    public void Resp3Shapes()
    {
        Reset();
        d.Both("HELLO", "3");
        Sicily();
        d.Script("""
            GEOPOS Sicily Palermo nosuch
            GEOHASH Sicily Palermo nosuch
            GEODIST Sicily Palermo Catania
            GEODIST Sicily Palermo nosuch
            GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH
            GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km WITHCOORD
            GEOSEARCH missing FROMMEMBER x BYRADIUS 300 km
            """);
    }

    /// <summary>Members at equal distances, cut by COUNT: Redis's partial quicksort decides their order.</summary>
    [Fact]
    public void TiesUnderCountFollowRedisSortOrder()
    {
        Reset();
        var rnd = new Random(7);
        var locs = new (double Lon, double Lat)[6];
        for (int i = 0; i < locs.Length; i++) locs[i] = (10 + rnd.NextDouble(), 40 + rnd.NextDouble());
        var args = new List<object> { "GEOADD", "g" };
        for (int i = 0; i < 150; i++)
        {
            var (lon, lat) = locs[rnd.Next(locs.Length)];
            args.Add(lon.ToString("R", CultureInfo.InvariantCulture));
            args.Add(lat.ToString("R", CultureInfo.InvariantCulture));
            args.Add("m" + i);
        }
        d.Same([.. args]);
        for (int i = 0; i < 40; i++)
        {
            int count = rnd.Next(1, 160);
            d.Same("GEORADIUS", "g", "10.5", "40.5", "300", "km", "WITHDIST", "COUNT", count, i % 2 == 0 ? "ASC" : "DESC");
            d.Same("GEORADIUS", "g", "10.5", "40.5", "300", "km", "COUNT", count);
        }
        d.Same("GEOSEARCH", "g", "FROMLONLAT", "10.5", "40.5", "BYBOX", "500", "500", "km", "ASC");
    }

    /// <summary>Seeded random points and searches of every kind; every reply must match byte for byte.</summary>
    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 160)]
    public void RandomizedDifferential(int seed, int points)
    {
        Reset();
        var rnd = new Random(seed);
        var pts = new List<(double, double)>();
        string F(double v, int digits) => Math.Round(v, digits).ToString("R", CultureInfo.InvariantCulture);
        for (int i = 0; i < points; i++)
        {
            (double, double) p;
            if (pts.Count > 0 && rnd.NextDouble() < 0.15) p = pts[rnd.Next(pts.Count)];
            else if (rnd.NextDouble() < 0.2) p = (rnd.NextDouble() * 360 - 180, rnd.NextDouble() * 170 - 85);
            else p = (10 + rnd.NextDouble() * 10, 35 + rnd.NextDouble() * 10);
            pts.Add(p);
            d.Same("GEOADD", "g", F(p.Item1, 6), F(p.Item2, 6), "m" + i);
        }
        string[] units = ["m", "km", "mi", "ft"];
        int[] radii = [1, 10, 50, 100, 300, 1000, 5000, 20000];
        for (int i = 0; i < 150; i++)
        {
            var with = new StringBuilder();
            foreach (var w in new[] { "WITHDIST", "WITHCOORD", "WITHHASH" })
                if (rnd.Next(2) == 0) with.Append(w).Append(' ');
            string count = rnd.Next(2) == 0 ? "" : "COUNT " + rnd.Next(1, 13) + (rnd.NextDouble() < 0.2 ? " ANY" : "");
            string sort = new[] { "", "ASC", "DESC" }[rnd.Next(3)];
            string lon = F(5 + rnd.NextDouble() * 20, 4), lat = F(30 + rnd.NextDouble() * 20, 4);
            double radius = radii[rnd.Next(radii.Length)];
            string unit = units[rnd.Next(units.Length)];
            if (unit == "m") radius *= 1000;
            if (unit == "ft") radius *= 3000;
            string r = radius.ToString(CultureInfo.InvariantCulture);
            string member = "m" + rnd.Next(points);
            string line = rnd.Next(7) switch
            {
                0 => $"GEORADIUS g {lon} {lat} {r} {unit} {with}{count} {sort}",
                1 => $"GEORADIUSBYMEMBER g {member} {r} {unit} {with}{count} {sort}",
                2 => $"GEOSEARCH g FROMLONLAT {lon} {lat} BYBOX {r} {F(radius * (rnd.Next(3) + 1) / 2, 3)} {unit} {with}{count} {sort}",
                3 => $"GEOSEARCH g FROMMEMBER {member} BYRADIUS {r} {unit} {with}{count} {sort}",
                4 => $"GEOSEARCHSTORE d g FROMLONLAT {lon} {lat} BYRADIUS {r} {unit} {count} {sort} {(rnd.Next(2) == 0 ? "STOREDIST" : "")}",
                5 => $"GEORADIUS g {lon} {lat} {r} {unit} {count} {sort} {(rnd.Next(2) == 0 ? "STORE" : "STOREDIST")} d",
                _ => $"GEODIST g {member} m{rnd.Next(points)} {units[rnd.Next(units.Length)]}",
            };
            d.Same(Differential.SplitLine(line));
            if (line.Contains(" d", StringComparison.Ordinal) && !line.StartsWith("GEODIST", StringComparison.Ordinal))
            {
                d.Same("ZRANGE", "d", "0", "-1", "WITHSCORES");
                d.Same("OBJECT", "ENCODING", "d");
            }
        }
        d.Same("GEOPOS", "g", "m0", "m1", "m2", "m3");
        d.Same("GEOHASH", "g", "m0", "m1", "m2", "m3");
        d.Same("DEBUG", "DIGEST");
    }


    /// <summary>GEOADD reaches replicas as the ZADD Redis rewrites it into; store searches as received.</summary>
    [Fact]
    public void PropagatedForms()
    {
        Reset();
        var server = d.Tern.Server;
        var rec = new PropagationRecorder();
        server.PropagationSink = rec;
        try
        {
            using var c = d.Tern.Connect();
            foreach (var line in new[]
            {
                "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
                "GEOADD g 13.361389 38.115556 Palermo",
                "GEOADD g Ch nX 13.361389 38.115556 Palermo 1 2 other",
                "GEOADD g XX 1 2 nosuch",
                "GEORADIUS g 15 37 200 km STORE d",
                "GEORADIUS g 15 37 200 km",
                "GEOSEARCHSTORE d2 g FROMMEMBER Palermo BYRADIUS 300 km STOREDIST",
                "GEOSEARCHSTORE d3 g FROMLONLAT 0 0 BYRADIUS 1 m",
            })
                c.Call(Differential.SplitLine(line));
            Assert.Equal(new[]
            {
                "zadd g 3479099956230698 Palermo 3479447370796909 Catania",
                "zadd g Ch nX 3479099956230698 Palermo 3378080408407459 other",
                "GEORADIUS g 15 37 200 km STORE d",
                "GEOSEARCHSTORE d2 g FROMMEMBER Palermo BYRADIUS 300 km STOREDIST",
            }, rec.Commands);
        }
        finally
        {
            server.PropagationSink = null;
        }
    }

    [Fact]
    public void NotificationsMatchRedis()
    {
        Reset();
        const string script = """
            GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
            GEOADD g 13.361389 38.115556 Palermo
            GEORADIUS g 15 37 200 km STORE d
            GEOSEARCHSTORE d2 g FROMMEMBER Palermo BYRADIUS 300 km
            GEOSEARCHSTORE d2 g FROMLONLAT 0 0 BYRADIUS 1 m
            GEORADIUS g 0 0 1 m STORE d
            """;
        var (redisEvents, ternEvents) = d.KeyEvents(script, "Ezg");
        Assert.Equal(redisEvents, ternEvents);
    }

}
