using System.Buffers.Binary;
using System.Numerics;

namespace Tern.Server.Storage;

/// <summary>
/// Redis's HyperLogLog, byte for byte (hyperloglog.c): a string starting with a 16-byte header ("HYLL", an
/// encoding byte, three unused bytes, the cached cardinality in little endian whose top bit marks it stale),
/// then 16384 six-bit registers, either dense (12288 bytes, registers packed from the least significant bit)
/// or sparse (run-length opcodes ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Elements hash with
/// MurmurHash64A (seed 0xadc83b19); the estimate is Otmar Ertl's improved estimator, as in Redis 7.0.
/// Where Redis reads the byte after a value (the sds terminator), this reads a zero. Sparse values are checked
/// as the reference server (Redis 7.0.15 with the CVE-2025-32023 fix, as Debian ships it) checks them: any
/// opcode running past register 16383 makes the value corrupt.
/// </summary>
public static class HyperLogLog
{
    public const int HeaderSize = 16;
    public const int P = 14;
    public const int Q = 64 - P;
    public const int Registers = 1 << P;
    public const int RegisterMax = 63;
    public const int DenseSize = HeaderSize + (Registers * 6 + 7) / 8;
    public const byte Dense = 0;
    public const byte Sparse = 1;
    public const int SparseValMaxValue = 32;
    public const int SparseValMaxLen = 4;
    public const int SparseZeroMaxLen = 64;
    public const int SparseXZeroMaxLen = 16384;

    private const double AlphaInf = 0.721347520444481703680; // 0.5 / ln(2)

    /// <summary>The value of a new key: sparse, all registers zero (XZERO:16384), cached cardinality 0.</summary>
    public static ReadOnlySpan<byte> Empty => [(byte)'H', (byte)'Y', (byte)'L', (byte)'L', Sparse, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF];

    // ---- hashing ----

    /// <summary>MurmurHash2 64-bit (MurmurHash64A), reading words little-endian as Redis does on every architecture.</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> key, uint seed)
    {
        const ulong m = 0xc6a4a7935bd1e995;
        const int r = 47;
        int len = key.Length;
        ulong h = seed ^ unchecked((ulong)len * m);
        int blocks = len & ~7;
        for (int i = 0; i < blocks; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(key[i..]);
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int rest = len & 7;
        if (rest != 0)
        {
            for (int i = rest - 1; i >= 0; i--) h ^= (ulong)key[blocks + i] << (8 * i);
            h *= m;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>hllPatLen: the register an element maps to and the length of its 000..1 run (1 to Q+1).</summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        ulong hash = MurmurHash64A(element, 0xadc83b19);
        index = (int)(hash & (Registers - 1));
        hash >>= P;
        hash |= 1UL << Q;
        return BitOperations.TrailingZeroCount(hash) + 1;
    }

    // ---- validation and header ----

    /// <summary>isHLLObjectOrReply's checks: long enough, "HYLL", a known encoding, exact dense size.</summary>
    public static bool IsValid(ReadOnlySpan<byte> v)
    {
        if (v.Length < HeaderSize) return false;
        if (v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L') return false;
        if (v[4] > Sparse) return false;
        if (v[4] == Dense && v.Length != DenseSize) return false;
        return true;
    }

    public static bool IsCacheValid(ReadOnlySpan<byte> v) => (v[15] & 0x80) == 0;

    public static void InvalidateCache(Span<byte> v) => v[15] |= 0x80;

    public static ulong CachedCardinality(ReadOnlySpan<byte> v) => BinaryPrimitives.ReadUInt64LittleEndian(v[8..]);

    public static void SetCachedCardinality(Span<byte> v, ulong card) => BinaryPrimitives.WriteUInt64LittleEndian(v[8..], card);

    // ---- dense registers ----

    public static int DenseGet(ReadOnlySpan<byte> regs, int index)
    {
        int b = index * 6 / 8;
        int fb = index * 6 & 7;
        uint b0 = regs[b];
        uint b1 = b + 1 < regs.Length ? regs[b + 1] : 0u;
        return (int)(((b0 >> fb) | (b1 << (8 - fb))) & RegisterMax);
    }

    public static void DenseSet(Span<byte> regs, int index, int value)
    {
        int b = index * 6 / 8;
        int fb = index * 6 & 7;
        int fb8 = 8 - fb;
        uint v = (uint)value;
        regs[b] = (byte)((regs[b] & ~((uint)RegisterMax << fb)) | (v << fb));
        // The last register ends inside its byte; Redis's write to the terminator changes nothing there.
        if (b + 1 < regs.Length) regs[b + 1] = (byte)((regs[b + 1] & ~((uint)RegisterMax >> fb8)) | (v >> fb8));
    }

    /// <summary>hllDenseSet: raises register <paramref name="index"/> to <paramref name="count"/>; true when it changed.</summary>
    public static bool DenseSetIfGreater(Span<byte> regs, int index, int count)
    {
        if (count <= DenseGet(regs, index)) return false;
        DenseSet(regs, index, count);
        return true;
    }

    /// <summary>hllDenseAdd on the registers of a dense value (the bytes after the header).</summary>
    public static bool DenseAdd(Span<byte> regs, ReadOnlySpan<byte> element)
    {
        int count = PatternLength(element, out int index);
        return DenseSetIfGreater(regs, index, count);
    }

    // ---- sparse opcodes ----

    private static bool IsZero(byte b) => (b & 0xC0) == 0;
    private static bool IsXZero(byte b) => (b & 0xC0) == 0x40;
    private static bool IsVal(byte b) => (b & 0x80) != 0;
    private static int ZeroLen(byte b) => (b & 0x3F) + 1;
    private static int XZeroLen(byte b, byte next) => (((b & 0x3F) << 8) | next) + 1;
    private static int ValValue(byte b) => ((b >> 2) & 0x1F) + 1;
    private static int ValLen(byte b) => (b & 3) + 1;
    private static byte ValOp(int value, int len) => (byte)((((value - 1) << 2) | (len - 1)) | 0x80);

    /// <summary>The byte at <paramref name="i"/>, or the terminator's zero past the end.</summary>
    private static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : (byte)0;

    /// <summary>
    /// The register histogram of a sparse or dense value (hllSparseRegHisto / hllDenseRegHisto). False when a
    /// sparse value does not cover exactly 16384 registers.
    /// </summary>
    private static bool Histogram(ReadOnlySpan<byte> v, Span<int> histo)
    {
        if (v[4] == Dense)
        {
            // 16 registers per 12 bytes, as hllDenseRegHisto unrolls it.
            var regs = v.Slice(HeaderSize, Registers * 6 / 8);
            for (int o = 0; o < regs.Length; o += 12)
            {
                var r = regs.Slice(o, 12);
                histo[r[0] & 63]++;
                histo[(r[0] >> 6 | r[1] << 2) & 63]++;
                histo[(r[1] >> 4 | r[2] << 4) & 63]++;
                histo[(r[2] >> 2) & 63]++;
                histo[r[3] & 63]++;
                histo[(r[3] >> 6 | r[4] << 2) & 63]++;
                histo[(r[4] >> 4 | r[5] << 4) & 63]++;
                histo[(r[5] >> 2) & 63]++;
                histo[r[6] & 63]++;
                histo[(r[6] >> 6 | r[7] << 2) & 63]++;
                histo[(r[7] >> 4 | r[8] << 4) & 63]++;
                histo[(r[8] >> 2) & 63]++;
                histo[r[9] & 63]++;
                histo[(r[9] >> 6 | r[10] << 2) & 63]++;
                histo[(r[10] >> 4 | r[11] << 4) & 63]++;
                histo[(r[11] >> 2) & 63]++;
            }
            return true;
        }
        int idx = 0, p = HeaderSize;
        while (p < v.Length)
        {
            byte c = v[p];
            int run, val = 0, len = 1;
            if (IsZero(c)) run = ZeroLen(c);
            else if (IsXZero(c))
            {
                run = XZeroLen(c, At(v, p + 1));
                len = 2;
            }
            else
            {
                run = ValLen(c);
                val = ValValue(c);
            }
            if (run + idx > Registers) return false;
            idx += run;
            histo[val] += run;
            p += len;
        }
        return idx == Registers;
    }

    /// <summary>hllCount for a stored value; <paramref name="invalid"/> when a sparse value is corrupt.</summary>
    public static ulong Count(ReadOnlySpan<byte> v, out bool invalid)
    {
        Span<int> histo = stackalloc int[64];
        invalid = !Histogram(v, histo);
        return Estimate(histo);
    }

    /// <summary>hllCount for 16384 registers of one byte each (PFCOUNT of several keys).</summary>
    public static ulong CountRaw(ReadOnlySpan<byte> registers)
    {
        Span<int> histo = stackalloc int[64];
        foreach (byte r in registers) histo[r & 63]++;
        return Estimate(histo);
    }

    private static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime, y = 1, z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime, y = 1.0, z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            // Redis writes pow(1 - x, 2), which gcc -O2 compiles to one multiplication.
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrime != z);
        return z / 3;
    }

    /// <summary>Ertl's estimator over a register histogram, rounded as llroundl (halves away from zero).</summary>
    private static ulong Estimate(ReadOnlySpan<int> histo)
    {
        double m = Registers;
        double z = m * Tau((m - histo[Q + 1]) / m);
        for (int j = Q; j >= 1; --j)
        {
            z += histo[j];
            z *= 0.5;
        }
        z += m * Sigma(histo[0] / m);
        double e = Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
        return (ulong)e;
    }

    /// <summary>hllMerge: max[i] = max(max[i], register i). False when a sparse value is corrupt.</summary>
    public static bool Merge(Span<byte> max, ReadOnlySpan<byte> v)
    {
        if (v[4] == Dense)
        {
            var regs = v[HeaderSize..];
            for (int i = 0; i < Registers; i++)
            {
                int r = DenseGet(regs, i);
                if (r > max[i]) max[i] = (byte)r;
            }
            return true;
        }
        int idx = 0, p = HeaderSize;
        while (p < v.Length)
        {
            byte c = v[p];
            int run, val = 0, len = 1;
            if (IsZero(c)) run = ZeroLen(c);
            else if (IsXZero(c))
            {
                run = XZeroLen(c, At(v, p + 1));
                len = 2;
            }
            else
            {
                run = ValLen(c);
                val = ValValue(c);
            }
            if (run + idx > Registers) return false;
            for (int k = idx; k < idx + run; k++)
                if (val > max[k]) max[k] = (byte)val;
            idx += run;
            p += len;
        }
        return idx == Registers;
    }

    /// <summary>The sparse opcodes as PFDEBUG DECODE prints them ("z:n", "Z:n", "v:value,len", space separated).</summary>
    public static byte[] Decode(ReadOnlySpan<byte> v)
    {
        var sb = new System.Text.StringBuilder();
        int p = HeaderSize;
        while (p < v.Length)
        {
            byte c = v[p];
            if (IsZero(c))
            {
                sb.Append("z:").Append(ZeroLen(c)).Append(' ');
                p++;
            }
            else if (IsXZero(c))
            {
                sb.Append("Z:").Append(XZeroLen(c, At(v, p + 1))).Append(' ');
                p += 2;
            }
            else
            {
                sb.Append("v:").Append(ValValue(c)).Append(',').Append(ValLen(c)).Append(' ');
                p++;
            }
        }
        return System.Text.Encoding.ASCII.GetBytes(sb.ToString().Trim(' '));
    }

    /// <summary>
    /// A working copy of an HLL value that can change length (sparse updates, promotion to dense), with the
    /// same steps as Redis's in-place sds edits so the resulting bytes are the same.
    /// </summary>
    public sealed class Buffer
    {
        private byte[] _data = new byte[DenseSize + 8];

        public int Length { get; private set; }

        public Span<byte> Span => _data.AsSpan(0, Length);

        public void Load(ReadOnlySpan<byte> v)
        {
            Reserve(v.Length);
            v.CopyTo(_data);
            Length = v.Length;
        }

        private void Reserve(int n)
        {
            if (_data.Length < n + 8) Array.Resize(ref _data, Math.Max(n + 8, _data.Length * 2));
        }

        public bool IsDense => _data[4] == Dense;

        /// <summary>hllAdd: 1 when a register changed, 0 when not, -1 for a corrupt sparse value.</summary>
        public int Add(ReadOnlySpan<byte> element, long sparseMaxBytes)
        {
            int count = PatternLength(element, out int index);
            if (IsDense) return DenseSetIfGreater(_data.AsSpan(HeaderSize, Length - HeaderSize), index, count) ? 1 : 0;
            return SparseSet(index, count, sparseMaxBytes);
        }

        /// <summary>Sets register <paramref name="index"/> to <paramref name="count"/> when higher (PFMERGE's step).</summary>
        public int Set(int index, int count, long sparseMaxBytes)
        {
            if (IsDense) return DenseSetIfGreater(_data.AsSpan(HeaderSize, Length - HeaderSize), index, count) ? 1 : 0;
            return SparseSet(index, count, sparseMaxBytes);
        }

        /// <summary>hllSparseToDense: false (and no change) when the sparse value is corrupt.</summary>
        public bool ToDense()
        {
            if (IsDense) return true;
            var dense = new byte[DenseSize + 8];
            _data.AsSpan(0, HeaderSize).CopyTo(dense);
            dense[4] = Dense;
            var regs = dense.AsSpan(HeaderSize, DenseSize - HeaderSize);
            var v = Span;
            int idx = 0, p = HeaderSize;
            while (p < v.Length)
            {
                byte c = v[p];
                int run, val = 0, len = 1;
                if (IsZero(c)) run = ZeroLen(c);
                else if (IsXZero(c))
                {
                    run = XZeroLen(c, At(v, p + 1));
                    len = 2;
                }
                else
                {
                    run = ValLen(c);
                    val = ValValue(c);
                }
                if (run + idx > Registers) return false;
                if (val != 0)
                    for (int k = idx; k < idx + run; k++) DenseSet(regs, k, val);
                idx += run;
                p += len;
            }
            if (idx != Registers) return false;
            _data = dense;
            Length = DenseSize;
            return true;
        }

        /// <summary>hllSparseSet: 1 changed, 0 unchanged, -1 corrupt. May promote the value to dense.</summary>
        private int SparseSet(int index, int count, long sparseMaxBytes)
        {
            if (count > SparseValMaxValue) return Promote(index, count);
            Reserve(Length + 3);
            var d = _data;
            int end = Length;
            int p = HeaderSize, prev = -1;
            long first = 0, span = 0;
            // Step 1: find the opcode covering the register.
            while (p < end)
            {
                int opLen = 1;
                byte c = d[p];
                if (IsZero(c)) span = ZeroLen(c);
                else if (IsVal(c)) span = ValLen(c);
                else
                {
                    span = XZeroLen(c, p + 1 < end ? d[p + 1] : (byte)0);
                    opLen = 2;
                }
                if (index <= first + span - 1) break;
                prev = p;
                p += opLen;
                first += span;
            }
            if (span == 0 || p >= end) return -1;
            byte op = d[p];
            int next = IsXZero(op) ? p + 2 : p + 1;
            if (next >= end) next = -1;
            bool isZero = false, isXZero = false, isVal = false;
            long runLen;
            if (IsZero(op))
            {
                isZero = true;
                runLen = ZeroLen(op);
            }
            else if (IsXZero(op))
            {
                isXZero = true;
                runLen = span;
            }
            else
            {
                isVal = true;
                runLen = ValLen(op);
            }

            // Step 2: the trivial in-place updates, else split the opcode into up to three.
            if (isVal)
            {
                if (ValValue(op) >= count) return 0;
                if (runLen == 1)
                {
                    d[p] = ValOp(count, 1);
                    return Updated(prev, end);
                }
            }
            if (isZero && runLen == 1)
            {
                d[p] = ValOp(count, 1);
                return Updated(prev, end);
            }
            Span<byte> seq = stackalloc byte[5];
            int n = 0;
            long last = first + span - 1;
            if (isZero || isXZero)
            {
                if (index != first) n += WriteZeros(seq[n..], (int)(index - first));
                seq[n++] = ValOp(count, 1);
                if (index != last) n += WriteZeros(seq[n..], (int)(last - index));
            }
            else
            {
                int curVal = ValValue(op);
                if (index != first) seq[n++] = ValOp(curVal, (int)(index - first));
                seq[n++] = ValOp(count, 1);
                if (index != last) seq[n++] = ValOp(curVal, (int)(last - index));
            }

            // Step 3: put the new sequence in place of the old opcode.
            int oldLen = isXZero ? 2 : 1;
            int delta = n - oldLen;
            if (delta > 0 && Length + delta > sparseMaxBytes) return Promote(index, count);
            if (delta != 0 && next >= 0) Array.Copy(d, next, d, next + delta, end - next);
            Length += delta;
            seq[..n].CopyTo(d.AsSpan(p));
            end += delta;
            return Updated(prev, end);
        }

        private static int WriteZeros(Span<byte> s, int len)
        {
            if (len > SparseZeroMaxLen)
            {
                int l = len - 1;
                s[0] = (byte)((l >> 8) | 0x40);
                s[1] = (byte)(l & 0xFF);
                return 2;
            }
            s[0] = (byte)(len - 1);
            return 1;
        }

        /// <summary>Step 4: merge adjacent VAL opcodes of equal value around the change, then mark the cache stale.</summary>
        private int Updated(int prev, int end)
        {
            var d = _data;
            int p = prev >= 0 ? prev : HeaderSize;
            int scan = 5;
            while (p < end && scan-- != 0)
            {
                byte c = d[p];
                if (IsXZero(c))
                {
                    p += 2;
                    continue;
                }
                if (IsZero(c))
                {
                    p++;
                    continue;
                }
                if (p + 1 < end && IsVal(d[p + 1]))
                {
                    int v1 = ValValue(c), v2 = ValValue(d[p + 1]);
                    if (v1 == v2)
                    {
                        int len = ValLen(c) + ValLen(d[p + 1]);
                        if (len <= SparseValMaxLen)
                        {
                            d[p + 1] = ValOp(v1, len);
                            Array.Copy(d, p + 1, d, p, end - p - 1);
                            Length--;
                            end--;
                            continue;
                        }
                    }
                }
                p++;
            }
            InvalidateCache(Span);
            return 1;
        }

        private int Promote(int index, int count)
        {
            if (!ToDense()) return -1;
            return DenseSetIfGreater(_data.AsSpan(HeaderSize, Length - HeaderSize), index, count) ? 1 : 0;
        }
    }
}
