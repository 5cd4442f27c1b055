using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Storage;

namespace Tern.Server.Families;

/// <summary>
/// Geo commands (geo.c) over sorted sets: a member's score is its 52-bit geohash. GEOADD is ZADD with encoded
/// scores (and propagates as that ZADD); searches cover the centre cell and its neighbours, filter by exact
/// distance, then sort as Redis does (a stable sort, or Redis's partial quicksort when COUNT cuts the result).
/// </summary>
public static class GeoFamily
{
    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> word) => Ascii.EqualsIgnoreCase(a, word);

    /// <summary>extractLongLatOrReply: two floats, then the range check with Redis's "%f" message.</summary>
    private static bool ExtractLonLat(CommandContext ctx, int idx, out double lon, out double lat)
    {
        lat = 0;
        if (!CNum.TryParseDouble(ctx.Arg(idx), out lon) || !CNum.TryParseDouble(ctx.Arg(idx + 1), out lat))
        {
            ctx.Error(Errors.NotFloat);
            return false;
        }
        if (lon < GeoHash.LonMin || lon > GeoHash.LonMax || lat < GeoHash.LatMin || lat > GeoHash.LatMax)
        {
            ctx.Error(Errors.GeoInvalidPair(lon, lat));
            return false;
        }
        return true;
    }

    /// <summary>extractUnitOrReply: meters per unit, or -1 with the error written.</summary>
    private static double ExtractUnit(CommandContext ctx, ReadOnlySpan<byte> u)
    {
        // strcasecmp: the argument ends at a NUL as a C string does.
        u = Errors.CString(u, int.MaxValue);
        if (Is(u, "m"u8)) return 1;
        if (Is(u, "km"u8)) return 1000;
        if (Is(u, "ft"u8)) return 0.3048;
        if (Is(u, "mi"u8)) return 1609.34;
        ctx.Error(Errors.GeoUnit);
        return -1;
    }

    private static bool ExtractDistance(CommandContext ctx, int idx, out double conversion, out double radius)
    {
        conversion = 0;
        if (!CNum.TryParseDouble(ctx.Arg(idx), out radius))
        {
            ctx.Error(Errors.GeoRadiusNotNumber);
            return false;
        }
        if (radius < 0)
        {
            ctx.Error(Errors.GeoRadiusNegative);
            return false;
        }
        conversion = ExtractUnit(ctx, ctx.Arg(idx + 1));
        return conversion >= 0;
    }

    private static bool ExtractBox(CommandContext ctx, int idx, out double conversion, out double width, out double height)
    {
        conversion = 0;
        height = 0;
        if (!CNum.TryParseDouble(ctx.Arg(idx), out width))
        {
            ctx.Error(Errors.GeoWidthNotNumber);
            return false;
        }
        if (!CNum.TryParseDouble(ctx.Arg(idx + 1), out height))
        {
            ctx.Error(Errors.GeoHeightNotNumber);
            return false;
        }
        if (height < 0 || width < 0)
        {
            ctx.Error(Errors.GeoBoxNegative);
            return false;
        }
        conversion = ExtractUnit(ctx, ctx.Arg(idx + 2));
        return conversion >= 0;
    }

    /// <summary>The stored 52-bit score of a longitude/latitude pair.</summary>
    internal static ulong EncodeScore(double lon, double lat)
    {
        GeoHash.EncodeWgs84(lon, lat, GeoHash.StepMax, out var hash);
        return GeoHash.Align52(hash);
    }

    // GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
    private static void GeoAdd(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        int longIdx = 2;
        bool nx = false, xx = false, ch = false;
        while (longIdx < argc)
        {
            var opt = ctx.Arg(longIdx);
            if (Is(opt, "nx"u8)) nx = true;
            else if (Is(opt, "xx"u8)) xx = true;
            else if (Is(opt, "ch"u8)) ch = true;
            else break;
            longIdx++;
        }
        if ((argc - longIdx) % 3 != 0 || (xx && nx))
        {
            ctx.SyntaxError();
            return;
        }
        int elements = (argc - longIdx) / 3;
        var scores = new double[elements];
        var bits = new ulong[elements];
        for (int i = 0; i < elements; i++)
        {
            if (!ExtractLonLat(ctx, longIdx + i * 3, out double lon, out double lat)) return;
            bits[i] = EncodeScore(lon, lat);
            scores[i] = bits[i];
        }
        // GEOADD is ZADD key [options] score member ...: ZADD's checks (none can fail here) and its reply.
        if (elements == 0)
        {
            ctx.SyntaxError();
            return;
        }
        var flags = (nx ? ZAddFlags.Nx : 0) | (xx ? ZAddFlags.Xx : 0);
        long dirtyBefore = ctx.Dirty;
        SortedSetFamily.ApplyAdd(ctx, ctx.Arg(1), flags, ch, scores, longIdx + 2, 3);
        if (ctx.Dirty == dirtyBefore) return;
        // Redis replaces the command with that ZADD, and that is what replicas receive.
        var p = ctx.Propagation;
        p.Begin(longIdx + elements * 2);
        p.Arg("zadd"u8);
        for (int i = 1; i < longIdx; i++) p.Arg(ctx.Arg(i));
        for (int i = 0; i < elements; i++)
        {
            p.Arg((long)bits[i]);
            p.Arg(ctx.Arg(longIdx + i * 3 + 2));
        }
    }

    private static bool TryRead(CommandContext ctx, ReadOnlySpan<byte> key, out ZSetValue? z)
    {
        var o = ctx.LookupRead(key);
        z = o as ZSetValue;
        if (o != null && z == null)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        return true;
    }

    /// <summary>A double as addReplyHumanLongDouble writes it (RESP2 bulk, RESP3 double).</summary>
    private static void ReplyHumanDouble(ReplyWriter r, double d)
    {
        Span<byte> buf = stackalloc byte[64];
        int n = CNum.HumanLongDouble(d, buf);
        if (r.Protocol == 3)
        {
            r.Raw(","u8);
            r.Raw(buf[..n]);
            r.Raw("\r\n"u8);
        }
        else r.Bulk(buf[..n]);
    }

    /// <summary>addReplyDoubleDistance: four decimals, always a bulk string.</summary>
    private static void ReplyDistance(ReplyWriter r, double d)
    {
        Span<byte> buf = stackalloc byte[64];
        r.Bulk(buf[..CNum.FixedPoint4(d, buf)]);
    }

    // GEOPOS key [member [member ...]]
    private static void GeoPos(CommandContext ctx)
    {
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        var r = ctx.Reply;
        r.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (z == null || !z.TryGetScore(ctx.Arg(j), out double score) || !GeoHash.DecodeScore(score, out double lon, out double lat))
            {
                r.NullArray();
                continue;
            }
            r.ArrayHeader(2);
            ReplyHumanDouble(r, lon);
            ReplyHumanDouble(r, lat);
        }
    }

    // GEOHASH key [member [member ...]]
    private static void GeoHashCommand(CommandContext ctx)
    {
        const string alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        var r = ctx.Reply;
        r.ArrayHeader(ctx.ArgCount - 2);
        Span<byte> buf = stackalloc byte[11];
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (z == null || !z.TryGetScore(ctx.Arg(j), out double score) || !GeoHash.DecodeScore(score, out double lon, out double lat))
            {
                r.Null();
                continue;
            }
            // Re-encoded with the standard geohash latitude range (-90, 90) for an interoperable string.
            GeoHash.Encode(-180, 180, -90, 90, lon, lat, 26, out var hash);
            for (int i = 0; i < 11; i++)
            {
                int idx = i == 10 ? 0 : (int)((hash.Bits >> (52 - (i + 1) * 5)) & 0x1f);
                buf[i] = (byte)alphabet[idx];
            }
            r.Bulk(buf);
        }
    }

    // GEODIST key member1 member2 [M | KM | FT | MI]
    private static void GeoDist(CommandContext ctx)
    {
        double toMeter = 1;
        if (ctx.ArgCount == 5)
        {
            toMeter = ExtractUnit(ctx, ctx.Arg(4));
            if (toMeter < 0) return;
        }
        else if (ctx.ArgCount > 5)
        {
            ctx.SyntaxError();
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var z)) return;
        if (z == null || !z.TryGetScore(ctx.Arg(2), out double s1) || !z.TryGetScore(ctx.Arg(3), out double s2) ||
            !GeoHash.DecodeScore(s1, out double lon1, out double lat1) || !GeoHash.DecodeScore(s2, out double lon2, out double lat2))
        {
            ctx.Reply.Null();
            return;
        }
        ReplyDistance(ctx.Reply, GeoHash.Distance(lon1, lat1, lon2, lat2) / toMeter);
    }

    [Flags]
    private enum SearchFlags
    {
        Coords = 1,
        Member = 2,
        NoStore = 4,
        Search = 8,
        SearchStore = 16,
    }

    private enum Sort
    {
        None,
        Asc,
        Desc,
    }

    /// <summary>A candidate found by a search (geoPoint).</summary>
    private struct GeoPoint
    {
        public double Lon, Lat, Dist, Score;
        public byte[] Member;
    }

    // GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
    private static void GeoRadius(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Coords);

    // GEORADIUSBYMEMBER key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
    private static void GeoRadiusByMember(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Member);

    // GEORADIUS_RO key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
    private static void GeoRadiusRo(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Coords | SearchFlags.NoStore);

    // GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
    private static void GeoRadiusByMemberRo(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Member | SearchFlags.NoStore);

    // GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
    private static void GeoSearch(CommandContext ctx) => SearchGeneric(ctx, 1, SearchFlags.Search);

    // GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [STOREDIST]
    private static void GeoSearchStore(CommandContext ctx)
    {
        ctx.Modified(1); // only the destination is written; the sources stay WATCHed
        SearchGeneric(ctx, 2, SearchFlags.Search | SearchFlags.SearchStore);
    }

    /// <summary>georadiusGeneric.</summary>
    private static void SearchGeneric(CommandContext ctx, int srcKeyIdx, SearchFlags flags)
    {
        int storeKeyIdx = -1;
        bool storeDist = false;
        if (!TryRead(ctx, ctx.Arg(srcKeyIdx), out var z)) return;

        int baseArgs;
        var shape = new GeoShape();
        if ((flags & SearchFlags.Coords) != 0)
        {
            baseArgs = 6;
            if (!ExtractLonLat(ctx, 2, out shape.Lon, out shape.Lat)) return;
            if (!ExtractDistance(ctx, baseArgs - 2, out shape.Conversion, out shape.Radius)) return;
        }
        else if ((flags & SearchFlags.Member) != 0 && z == null)
        {
            // No source: the arguments are still parsed so that the reply fits the STORE option.
            baseArgs = 5;
        }
        else if ((flags & SearchFlags.Member) != 0)
        {
            baseArgs = 5;
            if (!z!.TryGetScore(ctx.Arg(2), out double ms) || !GeoHash.DecodeScore(ms, out shape.Lon, out shape.Lat))
            {
                ctx.Error(Errors.GeoMemberNotFound);
                return;
            }
            if (!ExtractDistance(ctx, baseArgs - 2, out shape.Conversion, out shape.Radius)) return;
        }
        else
        {
            baseArgs = 2;
            if ((flags & SearchFlags.SearchStore) != 0)
            {
                baseArgs = 3;
                storeKeyIdx = 1;
            }
        }

        bool withDist = false, withHash = false, withCoords = false;
        bool fromMember = false, fromLoc = false, byRadius = false, byBox = false, any = false;
        var sort = Sort.None;
        long count = 0;
        int remaining = ctx.ArgCount - baseArgs;
        for (int i = 0; i < remaining; i++)
        {
            int ai = baseArgs + i;
            var arg = ctx.Arg(ai);
            if (Is(arg, "withdist"u8)) withDist = true;
            else if (Is(arg, "withhash"u8)) withHash = true;
            else if (Is(arg, "withcoord"u8)) withCoords = true;
            else if (Is(arg, "any"u8)) any = true;
            else if (Is(arg, "asc"u8)) sort = Sort.Asc;
            else if (Is(arg, "desc"u8)) sort = Sort.Desc;
            else if (Is(arg, "count"u8) && i + 1 < remaining)
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(ai + 1), out count))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (count <= 0)
                {
                    ctx.Error(Errors.CountMustBePositive);
                    return;
                }
                i++;
            }
            else if (Is(arg, "store"u8) && i + 1 < remaining && (flags & (SearchFlags.NoStore | SearchFlags.Search)) == 0)
            {
                storeKeyIdx = ai + 1;
                storeDist = false;
                i++;
            }
            else if (Is(arg, "storedist"u8) && i + 1 < remaining && (flags & (SearchFlags.NoStore | SearchFlags.Search)) == 0)
            {
                storeKeyIdx = ai + 1;
                storeDist = true;
                i++;
            }
            else if (Is(arg, "storedist"u8) && (flags & SearchFlags.Search) != 0 && (flags & SearchFlags.SearchStore) != 0)
            {
                storeDist = true;
            }
            else if (Is(arg, "frommember"u8) && i + 1 < remaining && (flags & SearchFlags.Search) != 0 && !fromLoc)
            {
                if (z != null && (!z.TryGetScore(ctx.Arg(ai + 1), out double ms) || !GeoHash.DecodeScore(ms, out shape.Lon, out shape.Lat)))
                {
                    ctx.Error(Errors.GeoMemberNotFound);
                    return;
                }
                fromMember = true;
                i++;
            }
            else if (Is(arg, "fromlonlat"u8) && i + 2 < remaining && (flags & SearchFlags.Search) != 0 && !fromMember)
            {
                if (!ExtractLonLat(ctx, ai + 1, out shape.Lon, out shape.Lat)) return;
                fromLoc = true;
                i += 2;
            }
            else if (Is(arg, "byradius"u8) && i + 2 < remaining && (flags & SearchFlags.Search) != 0 && !byBox)
            {
                if (!ExtractDistance(ctx, ai + 1, out shape.Conversion, out shape.Radius)) return;
                shape.IsBox = false;
                byRadius = true;
                i += 2;
            }
            else if (Is(arg, "bybox"u8) && i + 3 < remaining && (flags & SearchFlags.Search) != 0 && !byRadius)
            {
                if (!ExtractBox(ctx, ai + 1, out shape.Conversion, out shape.Width, out shape.Height)) return;
                shape.IsBox = true;
                byBox = true;
                i += 3;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }

        if (storeKeyIdx >= 0 && (withDist || withHash || withCoords))
        {
            ctx.Error((flags & SearchFlags.SearchStore) != 0 ? Errors.GeoSearchStoreWith : Errors.GeoRadiusStoreWith);
            return;
        }
        if ((flags & SearchFlags.Search) != 0 && !(fromMember || fromLoc))
        {
            ctx.Error(Errors.GeoNeedsFrom(ctx.Arg(0)));
            return;
        }
        if ((flags & SearchFlags.Search) != 0 && !(byRadius || byBox))
        {
            ctx.Error(Errors.GeoNeedsBy(ctx.Arg(0)));
            return;
        }
        if (any && count == 0)
        {
            ctx.Error(Errors.GeoAnyNeedsCount);
            return;
        }

        if (z == null)
        {
            if (storeKeyIdx >= 0)
            {
                DeleteStoreKey(ctx, ctx.Arg(storeKeyIdx));
                ctx.Reply.Integer(0);
            }
            else ctx.Reply.EmptyArray();
            return;
        }

        if (count != 0 && sort == Sort.None && !any) sort = Sort.Asc;

        var areas = GeoHash.CalculateAreas(ref shape);
        var points = new List<GeoPoint>();
        MembersOfAllNeighbors(z, areas, shape, points, any ? count : 0);

        if (points.Count == 0 && storeKeyIdx < 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        long resultLength = points.Count;
        long returned = count == 0 || resultLength < count ? resultLength : count;
        var arr = points.ToArray();
        if (sort != Sort.None)
        {
            Comparison<GeoPoint> cmp = sort == Sort.Asc ? CompareAsc : CompareDesc;
            if (returned == resultLength) StableSort(arr, cmp);
            else PartialQuickSort(arr, 0, arr.Length, cmp, 0, (int)returned - 1);
        }

        if (storeKeyIdx < 0)
        {
            var r = ctx.Reply;
            int options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
            r.ArrayHeader((int)returned);
            for (int i = 0; i < returned; i++)
            {
                ref var gp = ref arr[i];
                gp.Dist /= shape.Conversion;
                if (options > 0) r.ArrayHeader(options + 1);
                r.Bulk(gp.Member);
                if (withDist) ReplyDistance(r, gp.Dist);
                if (withHash) r.Integer(CNum.Cvtt(gp.Score));
                if (withCoords)
                {
                    r.ArrayHeader(2);
                    ReplyHumanDouble(r, gp.Lon);
                    ReplyHumanDouble(r, gp.Lat);
                }
            }
            return;
        }

        var storeKey = ctx.Arg(storeKeyIdx);
        if (returned > 0)
        {
            var dst = ZSetValue.CreateFull(storeKey.ToArray());
            dst.Lru = ctx.Keyspace.NewAccessClock(ctx.Now);
            long maxLen = 0;
            for (int i = 0; i < returned; i++)
            {
                ref var gp = ref arr[i];
                gp.Dist /= shape.Conversion;
                double score = storeDist ? gp.Dist : gp.Score;
                if (dst.TryGetScore(gp.Member, out _)) continue;
                dst.InsertNew(score, gp.Member);
                maxLen = Math.Max(maxLen, gp.Member.Length);
            }
            dst.CompactIfFits(ctx.Server.Config.ZSetMaxListpackEntries, ctx.Server.Config.ZSetMaxListpackValue, maxLen);
            ctx.LookupWrite(storeKey);
            ctx.Keyspace.Set(ctx.Db, dst);
            ctx.Notify(ServerConfig.Notify.ZSet, (flags & SearchFlags.Search) != 0 ? "geosearchstore"u8 : "georadiusstore"u8, storeKey);
            ctx.Dirty += returned;
        }
        else DeleteStoreKey(ctx, storeKey);
        ctx.Reply.Integer(returned);
    }

    private static void DeleteStoreKey(CommandContext ctx, ReadOnlySpan<byte> key)
    {
        if (ctx.LookupWrite(key) == null) return;
        ctx.Keyspace.Delete(ctx.Db, key, ctx.Now);
        ctx.Notify(ServerConfig.Notify.Generic, "del"u8, key);
        ctx.Dirty++;
    }

    private static int CompareAsc(GeoPoint a, GeoPoint b) => a.Dist > b.Dist ? 1 : a.Dist == b.Dist ? 0 : -1;

    private static int CompareDesc(GeoPoint a, GeoPoint b) => -CompareAsc(a, b);

    /// <summary>membersOfAllNeighbors: the centre cell, then N, S, E, W, NE, NW, SE, SW.</summary>
    private static void MembersOfAllNeighbors(ZSetValue z, in GeoRadiusAreas n, in GeoShape shape, List<GeoPoint> points, long limit)
    {
        Span<GeoHashBits> cells = [n.Hash, n.North, n.South, n.East, n.West, n.NorthEast, n.NorthWest, n.SouthEast, n.SouthWest];
        int lastProcessed = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            // Huge radii can make neighbours equal: skip a cell equal to the last one searched (Redis compares
            // only with a processed cell after the first, so the centre itself is never the reference).
            if (lastProcessed != 0 && cells[i].Bits == cells[lastProcessed].Bits && cells[i].Step == cells[lastProcessed].Step) continue;
            if (points.Count > 0 && limit != 0 && points.Count >= limit) break;
            MembersOfBox(z, cells[i], shape, points, limit);
            lastProcessed = i;
        }
    }

    /// <summary>membersOfGeoHashBox / geoGetPointsInRange: scores in [cell start, next cell start).</summary>
    private static void MembersOfBox(ZSetValue z, GeoHashBits hash, in GeoShape shape, List<GeoPoint> points, long limit)
    {
        ulong min = GeoHash.Align52(hash);
        hash.Bits++;
        ulong max = GeoHash.Align52(hash);
        var range = new ScoreRange { Min = min, Max = max, MinEx = false, MaxEx = true };
        var p = z.FirstInRange(range);
        while (p.Valid)
        {
            double score = z.ScoreAt(p);
            if (!range.LteMax(score)) break;
            if (WithinShape(shape, score, out double lon, out double lat, out double dist))
                points.Add(new GeoPoint { Lon = lon, Lat = lat, Dist = dist, Score = score, Member = z.MemberAt(p).ToArray() });
            if (points.Count > 0 && limit != 0 && points.Count >= limit) break;
            z.Next(ref p);
        }
    }

    /// <summary>geoWithinShape.</summary>
    private static bool WithinShape(in GeoShape shape, double score, out double lon, out double lat, out double dist)
    {
        dist = 0;
        if (!GeoHash.DecodeScore(score, out lon, out lat)) return false;
        if (!shape.IsBox)
        {
            dist = GeoHash.Distance(shape.Lon, shape.Lat, lon, lat);
            return dist <= shape.Radius * shape.Conversion;
        }
        return GeoHash.InRectangle(shape.Width * shape.Conversion, shape.Height * shape.Conversion, shape.Lon, shape.Lat, lon, lat, out dist);
    }

    /// <summary>A stable merge sort: glibc's qsort is a merge sort for arrays like these.</summary>
    private static void StableSort(GeoPoint[] a, Comparison<GeoPoint> cmp)
    {
        if (a.Length < 2) return;
        var tmp = new GeoPoint[a.Length];
        MergeSort(a, tmp, 0, a.Length, cmp);
    }

    private static void MergeSort(GeoPoint[] a, GeoPoint[] tmp, int lo, int n, Comparison<GeoPoint> cmp)
    {
        if (n <= 1) return;
        int n1 = n / 2, n2 = n - n1;
        MergeSort(a, tmp, lo, n1, cmp);
        MergeSort(a, tmp, lo + n1, n2, cmp);
        int i = lo, j = lo + n1, k = 0, iEnd = lo + n1, jEnd = lo + n;
        while (i < iEnd && j < jEnd) tmp[k++] = cmp(a[i], a[j]) <= 0 ? a[i++] : a[j++];
        while (i < iEnd) tmp[k++] = a[i++];
        while (j < jEnd) tmp[k++] = a[j++];
        Array.Copy(tmp, 0, a, lo, n);
    }

    /// <summary>
    /// Redis's pqsort (Bentley-McIlroy quicksort that only recurses into parts overlapping the wanted index
    /// range [<paramref name="lrange"/>, <paramref name="rrange"/>]); equal distances end up in the same order as in Redis.
    /// </summary>
    private static void PartialQuickSort(GeoPoint[] a, int lo, int n, Comparison<GeoPoint> cmp, int lrange, int rrange)
    {
        while (true)
        {
            if (n < 7)
            {
                for (int pm = lo + 1; pm < lo + n; pm++)
                    for (int pl = pm; pl > lo && cmp(a[pl - 1], a[pl]) > 0; pl--) Swap(a, pl, pl - 1);
                return;
            }
            int m = lo + n / 2;
            if (n > 7)
            {
                int pl = lo, pn = lo + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Med3(a, pl, pl + d, pl + 2 * d, cmp);
                    m = Med3(a, m - d, m, m + d, cmp);
                    pn = Med3(a, pn - 2 * d, pn - d, pn, cmp);
                }
                m = Med3(a, pl, m, pn, cmp);
            }
            Swap(a, lo, m);
            int pa = lo + 1, pb = lo + 1, pc = lo + n - 1, pd = lo + n - 1;
            while (true)
            {
                int c;
                while (pb <= pc && (c = cmp(a[pb], a[lo])) <= 0)
                {
                    if (c == 0)
                    {
                        Swap(a, pa, pb);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (c = cmp(a[pc], a[lo])) >= 0)
                {
                    if (c == 0)
                    {
                        Swap(a, pc, pd);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) break;
                Swap(a, pb, pc);
                pb++;
                pc--;
            }
            int end = lo + n;
            int r = Math.Min(pa - lo, pb - pa);
            VecSwap(a, lo, pb - r, r);
            r = Math.Min(pd - pc, end - pd - 1);
            VecSwap(a, pb, end - r, r);
            r = pb - pa;
            if (r > 1)
            {
                int hi = lo + r - 1;
                if (!((lrange < lo && rrange < lo) || (lrange > hi && rrange > hi)))
                    PartialQuickSort(a, lo, r, cmp, lrange, rrange);
            }
            r = pd - pc;
            if (r > 1)
            {
                lo = end - r;
                n = r;
                int hi = lo + r - 1;
                if (!((lrange < lo && rrange < lo) || (lrange > hi && rrange > hi))) continue;
            }
            return;
        }
    }

    private static int Med3(GeoPoint[] a, int x, int y, int z, Comparison<GeoPoint> cmp) =>
        cmp(a[x], a[y]) < 0
            ? (cmp(a[y], a[z]) < 0 ? y : (cmp(a[x], a[z]) < 0 ? z : x))
            : (cmp(a[y], a[z]) > 0 ? y : (cmp(a[x], a[z]) < 0 ? x : z));

    private static void Swap(GeoPoint[] a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);

    private static void VecSwap(GeoPoint[] a, int i, int j, int n)
    {
        for (int k = 0; k < n; k++) Swap(a, i + k, j + k);
    }

    /// <summary>
    /// Keys of GEORADIUS and GEORADIUSBYMEMBER: the source, and every argument after a STORE or STOREDIST from
    /// the sixth argument on (Redis's georadiusGetKeys), so the store key the handler picks is locked.
    /// </summary>
    private static int RadiusKeys(CommandArgs args, Span<int> positions)
    {
        int n = 0;
        positions[n++] = 1;
        for (int i = 5; i < args.Count; i++)
        {
            var a = args[i];
            if ((Is(a, "store"u8) || Is(a, "storedist"u8)) && i + 1 < args.Count)
            {
                if (n == positions.Length) return n + 1;
                positions[n++] = i + 1;
            }
        }
        return n;
    }

    public static void Register(CommandTable t)
    {
        t.Add("geoadd", GeoAdd);
        t.Add("geopos", GeoPos);
        t.Add("geohash", GeoHashCommand);
        t.Add("geodist", GeoDist);
        t.Add("georadius", GeoRadius, keys: RadiusKeys);
        t.Add("georadiusbymember", GeoRadiusByMember, keys: RadiusKeys);
        t.Add("georadius_ro", GeoRadiusRo);
        t.Add("georadiusbymember_ro", GeoRadiusByMemberRo);
        t.Add("geosearch", GeoSearch);
        t.Add("geosearchstore", GeoSearchStore);
    }
}
