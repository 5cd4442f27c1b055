namespace Tern.Rdb;

/// <summary>
/// The persisted numbers of the RDB format (Redis's rdb.h): opcodes, value type bytes, special string encodings.
/// These bytes are a file format shared with Redis; a unit test pins every one of them.
/// </summary>
public static class RdbFormat
{
    /// <summary>The version Tern writes: what redis-server 7.0 writes and reads.</summary>
    public const int WriteVersion = 10;

    /// <summary>The newest version Tern reads (Redis 7.4).</summary>
    public const int MaxReadVersion = 12;

    // Opcodes.
    public const byte OpSlotInfo = 244;      // 7.4, cluster only
    public const byte OpFunction2 = 245;
    public const byte OpFunctionPreGa = 246; // 7.0 release candidates
    public const byte OpModuleAux = 247;
    public const byte OpIdle = 248;
    public const byte OpFreq = 249;
    public const byte OpAux = 250;
    public const byte OpResizeDb = 251;
    public const byte OpExpireTimeMs = 252;
    public const byte OpExpireTime = 253;
    public const byte OpSelectDb = 254;
    public const byte OpEof = 255;

    // Value types.
    public const byte TypeString = 0;
    public const byte TypeList = 1;
    public const byte TypeSet = 2;
    public const byte TypeZSet = 3;
    public const byte TypeHash = 4;
    public const byte TypeZSet2 = 5;
    public const byte TypeModulePreGa = 6;
    public const byte TypeModule2 = 7;
    public const byte TypeHashZipmap = 9;
    public const byte TypeListZiplist = 10;
    public const byte TypeSetIntset = 11;
    public const byte TypeZSetZiplist = 12;
    public const byte TypeHashZiplist = 13;
    public const byte TypeListQuicklist = 14;
    public const byte TypeStreamListpacks = 15;
    public const byte TypeHashListpack = 16;
    public const byte TypeZSetListpack = 17;
    public const byte TypeListQuicklist2 = 18;
    public const byte TypeStreamListpacks2 = 19;
    public const byte TypeSetListpack = 20;
    public const byte TypeStreamListpacks3 = 21;
    public const byte TypeHashMetadataPreGa = 22;
    public const byte TypeHashListpackExPreGa = 23;
    public const byte TypeHashMetadata = 24;
    public const byte TypeHashListpackEx = 25;

    // Length encodings (two top bits of the first byte) and special string encodings.
    public const byte Len6Bit = 0;
    public const byte Len14Bit = 1;
    public const byte Len32Bit = 0x80;
    public const byte Len64Bit = 0x81;
    public const byte LenEncodedValue = 3;
    public const byte EncInt8 = 0;
    public const byte EncInt16 = 1;
    public const byte EncInt32 = 2;
    public const byte EncLzf = 3;

    // Quicklist 2 node containers.
    public const byte QuicklistNodePlain = 1;
    public const byte QuicklistNodePacked = 2;

    // Module value opcodes (module.c).
    public const byte ModuleOpEof = 0;
    public const byte ModuleOpSInt = 1;
    public const byte ModuleOpUInt = 2;
    public const byte ModuleOpFloat = 3;
    public const byte ModuleOpDouble = 4;
    public const byte ModuleOpString = 5;
}
