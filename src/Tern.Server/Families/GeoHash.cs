using Tern.Protocol;
namespace Tern.Server.Families;

/// <summary>A geohash cell: <see cref="Bits"/> interleaved latitude/longitude bits at <see cref="Step"/> bits each.</summary>
internal struct GeoHashBits
{
    public ulong Bits;
    public int Step;

    public readonly bool IsZero => Bits == 0 && Step == 0;
}

/// <summary>The bounds of a decoded geohash cell.</summary>
internal struct GeoArea
{
    public GeoHashBits Hash;
    public double LonMin, LonMax, LatMin, LatMax;
}

/// <summary>A search area: a circle (radius) or an axis-aligned box, around a point, in a unit.</summary>
internal struct GeoShape
{
    public bool IsBox;
    public double Lon, Lat;
    public double Conversion;
    public double Radius;
    public double Width, Height;
    public double BoundsMinLon, BoundsMinLat, BoundsMaxLon, BoundsMaxLat;
}

/// <summary>The center cell of a search and its eight neighbours, some zeroed when useless.</summary>
internal struct GeoRadiusAreas
{
    public GeoHashBits Hash;
    public GeoArea Area;
    public GeoHashBits North, South, East, West, NorthEast, NorthWest, SouthEast, SouthWest;
}

/// <summary>
/// Redis's geohash arithmetic (geohash.c, geohash_helper.c): 26 steps of interleaved bits (a 52-bit integer
/// score), latitude limited to ±85.05112878 as in EPSG:900913, the haversine distance on a sphere of radius
/// 6372797.560856 m, and the choice of the nine cells that cover a search. Every floating-point expression
/// follows Redis's order of operations so that scores, coordinates and distances come out bit for bit the same.
/// </summary>
internal static class GeoHash
{
    public const int StepMax = 26;
    public const double LatMin = -85.05112878;
    public const double LatMax = 85.05112878;
    public const double LonMin = -180;
    public const double LonMax = 180;

    private const double DR = Math.PI / 180.0;
    public const double EarthRadius = 6372797.560856;
    private const double MercatorMax = 20037726.37;

    private static double DegRad(double ang) => ang * DR;

    private static double RadDeg(double ang) => ang / DR;

    /// <summary>Interleaves x into the even bits and y into the odd bits.</summary>
    public static ulong Interleave64(uint xlo, uint ylo)
    {
        ulong x = xlo, y = ylo;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        y = (y | (y << 2)) & 0x3333333333333333UL;
        x = (x | (x << 1)) & 0x5555555555555555UL;
        y = (y | (y << 1)) & 0x5555555555555555UL;
        return x | (y << 1);
    }

    /// <summary>The inverse: even bits to the low 32 bits, odd bits to the high 32 bits.</summary>
    public static ulong Deinterleave64(ulong interleaved)
    {
        ulong x = interleaved, y = interleaved >> 1;
        x &= 0x5555555555555555UL;
        y &= 0x5555555555555555UL;
        x = (x | (x >> 1)) & 0x3333333333333333UL;
        y = (y | (y >> 1)) & 0x3333333333333333UL;
        x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x >> 4)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y >> 4)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x >> 8)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y >> 8)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x >> 16)) & 0x00000000FFFFFFFFUL;
        y = (y | (y >> 16)) & 0x00000000FFFFFFFFUL;
        return x | (y << 32);
    }

    /// <summary>geohashEncode over the given ranges; false outside them.</summary>
    public static bool Encode(double lonMin, double lonMax, double latMin, double latMax, double lon, double lat, int step, out GeoHashBits hash)
    {
        hash = default;
        if (step > 32 || step == 0) return false;
        if (lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin) return false;
        hash.Step = step;
        if (lat < latMin || lat > latMax || lon < lonMin || lon > lonMax) return false;
        double latOffset = (lat - latMin) / (latMax - latMin);
        double lonOffset = (lon - lonMin) / (lonMax - lonMin);
        latOffset *= (double)(1UL << step);
        lonOffset *= (double)(1UL << step);
        hash.Bits = Interleave64((uint)latOffset, (uint)lonOffset);
        return true;
    }

    /// <summary>geohashEncodeWGS84.</summary>
    public static bool EncodeWgs84(double lon, double lat, int step, out GeoHashBits hash) =>
        Encode(LonMin, LonMax, LatMin, LatMax, lon, lat, step, out hash);

    /// <summary>geohashDecode over the standard ranges.</summary>
    public static bool Decode(GeoHashBits hash, out GeoArea area) => Decode(LonMin, LonMax, LatMin, LatMax, hash, out area);

    private static bool Decode(double lonMin, double lonMax, double latMin, double latMax, GeoHashBits hash, out GeoArea area)
    {
        area = default;
        if (hash.IsZero) return false;
        area.Hash = hash;
        int step = hash.Step;
        ulong sep = Deinterleave64(hash.Bits);
        double latScale = latMax - latMin;
        double lonScale = lonMax - lonMin;
        uint ilato = (uint)sep;
        uint ilono = (uint)(sep >> 32);
        double div = 1UL << step;
        area.LatMin = latMin + (ilato * 1.0 / div) * latScale;
        area.LatMax = latMin + (unchecked(ilato + 1u) * 1.0 / div) * latScale;
        area.LonMin = lonMin + (ilono * 1.0 / div) * lonScale;
        area.LonMax = lonMin + (unchecked(ilono + 1u) * 1.0 / div) * lonScale;
        return true;
    }

    /// <summary>geohashDecodeAreaToLongLat: the cell's centre, clamped to the valid ranges.</summary>
    public static void AreaCenter(in GeoArea area, out double lon, out double lat)
    {
        lon = (area.LonMin + area.LonMax) / 2;
        if (lon > LonMax) lon = LonMax;
        if (lon < LonMin) lon = LonMin;
        lat = (area.LatMin + area.LatMax) / 2;
        if (lat > LatMax) lat = LatMax;
        if (lat < LatMin) lat = LatMin;
    }

    /// <summary>decodeGeohash: a sorted set score to the centre of its 52-bit cell.</summary>
    public static bool DecodeScore(double score, out double lon, out double lat)
    {
        var hash = new GeoHashBits { Bits = CNum.ToUInt64(score), Step = StepMax };
        if (!Decode(hash, out var area))
        {
            lon = lat = 0;
            return false;
        }
        AreaCenter(area, out lon, out lat);
        return true;
    }

    /// <summary>geohashAlign52Bits.</summary>
    public static ulong Align52(GeoHashBits hash) => hash.Bits << (52 - hash.Step * 2);

    private static void MoveX(ref GeoHashBits hash, int d)
    {
        if (d == 0) return;
        ulong x = hash.Bits & 0xaaaaaaaaaaaaaaaaUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0x5555555555555555UL >> (64 - hash.Step * 2);
        if (d > 0) x += zz + 1;
        else
        {
            x |= zz;
            x -= zz + 1;
        }
        x &= 0xaaaaaaaaaaaaaaaaUL >> (64 - hash.Step * 2);
        hash.Bits = x | y;
    }

    private static void MoveY(ref GeoHashBits hash, int d)
    {
        if (d == 0) return;
        ulong x = hash.Bits & 0xaaaaaaaaaaaaaaaaUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0xaaaaaaaaaaaaaaaaUL >> (64 - hash.Step * 2);
        if (d > 0) y += zz + 1;
        else
        {
            y |= zz;
            y -= zz + 1;
        }
        y &= 0x5555555555555555UL >> (64 - hash.Step * 2);
        hash.Bits = x | y;
    }

    private static GeoHashBits Moved(GeoHashBits h, int dx, int dy)
    {
        MoveX(ref h, dx);
        MoveY(ref h, dy);
        return h;
    }

    /// <summary>geohashEstimateStepsByRadius.</summary>
    public static int EstimateStepsByRadius(double rangeMeters, double lat)
    {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66)
        {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return step;
    }

    /// <summary>geohashBoundingBox: the search's bounds in degrees.</summary>
    public static void BoundingBox(ref GeoShape shape)
    {
        double lon = shape.Lon, lat = shape.Lat;
        double height = shape.Conversion * (!shape.IsBox ? shape.Radius : shape.Height / 2);
        double width = shape.Conversion * (!shape.IsBox ? shape.Radius : shape.Width / 2);
        double latDelta = RadDeg(height / EarthRadius);
        double lonDeltaTop = RadDeg(width / EarthRadius / Math.Cos(DegRad(lat + latDelta)));
        double lonDeltaBottom = RadDeg(width / EarthRadius / Math.Cos(DegRad(lat - latDelta)));
        bool south = lat < 0;
        shape.BoundsMinLon = south ? lon - lonDeltaBottom : lon - lonDeltaTop;
        shape.BoundsMaxLon = south ? lon + lonDeltaBottom : lon + lonDeltaTop;
        shape.BoundsMinLat = lat - latDelta;
        shape.BoundsMaxLat = lat + latDelta;
    }

    /// <summary>geohashCalculateAreasByShapeWGS84: the centre cell and the neighbours worth searching.</summary>
    public static GeoRadiusAreas CalculateAreas(ref GeoShape shape)
    {
        BoundingBox(ref shape);
        double minLon = shape.BoundsMinLon, minLat = shape.BoundsMinLat, maxLon = shape.BoundsMaxLon, maxLat = shape.BoundsMaxLat;
        double lon = shape.Lon, lat = shape.Lat;
        double radiusMeters = !shape.IsBox ? shape.Radius :
            Math.Sqrt((shape.Width / 2) * (shape.Width / 2) + (shape.Height / 2) * (shape.Height / 2));
        radiusMeters *= shape.Conversion;
        int steps = EstimateStepsByRadius(radiusMeters, lat);

        var r = new GeoRadiusAreas();
        EncodeWgs84(lon, lat, steps, out r.Hash);
        SetNeighbors(ref r);
        Decode(r.Hash, out r.Area);

        bool decrease = false;
        Decode(r.North, out var north);
        Decode(r.South, out var south);
        Decode(r.East, out var east);
        Decode(r.West, out var west);
        if (north.LatMax < maxLat) decrease = true;
        if (south.LatMin > minLat) decrease = true;
        if (east.LonMax < maxLon) decrease = true;
        if (west.LonMin > minLon) decrease = true;
        if (steps > 1 && decrease)
        {
            steps--;
            EncodeWgs84(lon, lat, steps, out r.Hash);
            SetNeighbors(ref r);
            Decode(r.Hash, out r.Area);
        }
        if (steps >= 2)
        {
            if (r.Area.LatMin < minLat)
            {
                r.South = default;
                r.SouthWest = default;
                r.SouthEast = default;
            }
            if (r.Area.LatMax > maxLat)
            {
                r.North = default;
                r.NorthEast = default;
                r.NorthWest = default;
            }
            if (r.Area.LonMin < minLon)
            {
                r.West = default;
                r.SouthWest = default;
                r.NorthWest = default;
            }
            if (r.Area.LonMax > maxLon)
            {
                r.East = default;
                r.SouthEast = default;
                r.NorthEast = default;
            }
        }
        return r;
    }

    private static void SetNeighbors(ref GeoRadiusAreas r)
    {
        var h = r.Hash;
        r.East = Moved(h, 1, 0);
        r.West = Moved(h, -1, 0);
        r.South = Moved(h, 0, -1);
        r.North = Moved(h, 0, 1);
        r.NorthWest = Moved(h, -1, 1);
        r.NorthEast = Moved(h, 1, 1);
        r.SouthEast = Moved(h, 1, -1);
        r.SouthWest = Moved(h, -1, -1);
    }

    /// <summary>geohashGetLatDistance.</summary>
    public static double LatDistance(double lat1d, double lat2d) => EarthRadius * Math.Abs(DegRad(lat2d) - DegRad(lat1d));

    /// <summary>geohashGetDistance: haversine.</summary>
    public static double Distance(double lon1d, double lat1d, double lon2d, double lat2d)
    {
        double lon1r = DegRad(lon1d);
        double lon2r = DegRad(lon2d);
        double v = Math.Sin((lon2r - lon1r) / 2);
        if (v == 0.0) return LatDistance(lat1d, lat2d);
        double lat1r = DegRad(lat1d);
        double lat2r = DegRad(lat2d);
        double u = Math.Sin((lat2r - lat1r) / 2);
        double a = u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v;
        return 2.0 * EarthRadius * Math.Asin(Math.Sqrt(a));
    }

    /// <summary>geohashGetDistanceIfInRectangle.</summary>
    public static bool InRectangle(double widthM, double heightM, double x1, double y1, double x2, double y2, out double distance)
    {
        distance = 0;
        double latDistance = LatDistance(y2, y1);
        if (latDistance > heightM / 2) return false;
        double lonDistance = Distance(x2, y2, x1, y2);
        if (lonDistance > widthM / 2) return false;
        distance = Distance(x1, y1, x2, y2);
        return true;
    }
}
