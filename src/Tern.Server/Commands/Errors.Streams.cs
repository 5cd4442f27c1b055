namespace Tern.Server.Commands;

/// <summary>Error texts of the stream commands (t_stream.c of Redis 7.0).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> StreamInvalidId => "ERR Invalid stream ID specified as stream command argument"u8;
    public static ReadOnlySpan<byte> StreamMaxLenMinId => "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> StreamMaxLenNegative => "ERR The MAXLEN argument must be >= 0."u8;
    public static ReadOnlySpan<byte> StreamLimitNegative => "ERR The LIMIT argument must be >= 0."u8;
    public static ReadOnlySpan<byte> StreamLimitNoStrategy => "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"u8;
    public static ReadOnlySpan<byte> StreamXTrimNoStrategy => "ERR syntax error, XTRIM must be called with a trimming strategy"u8;
    public static ReadOnlySpan<byte> StreamLimitNoApprox => "ERR syntax error, LIMIT cannot be used without the special ~ option"u8;
    public static ReadOnlySpan<byte> StreamIdZero => "ERR The ID specified in XADD must be greater than 0-0"u8;
    public static ReadOnlySpan<byte> StreamExhausted => "ERR The stream has exhausted the last possible ID, unable to add more items"u8;
    public static ReadOnlySpan<byte> StreamIdTooSmall => "ERR The ID specified in XADD is equal or smaller than the target stream top item"u8;
    public static ReadOnlySpan<byte> StreamInvalidStart => "ERR invalid start ID for the interval"u8;
    public static ReadOnlySpan<byte> StreamInvalidEnd => "ERR invalid end ID for the interval"u8;
    public static ReadOnlySpan<byte> StreamUnbalanced => "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."u8;
    public static ReadOnlySpan<byte> StreamGroupOnlyXReadGroup => "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."u8;
    public static ReadOnlySpan<byte> StreamNoAckOnlyXReadGroup => "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."u8;
    public static ReadOnlySpan<byte> StreamMissingGroup => "ERR Missing GROUP option for XREADGROUP"u8;
    public static ReadOnlySpan<byte> StreamDollarInGroup => "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."u8;
    public static ReadOnlySpan<byte> StreamGreaterOnlyGroup => "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."u8;
    public static ReadOnlySpan<byte> StreamTimeoutOutOfRange => "ERR timeout is out of range"u8;
    public static ReadOnlySpan<byte> StreamEntriesReadRange => "ERR value for ENTRIESREAD must be positive or -1"u8;
    public static ReadOnlySpan<byte> StreamXGroupNeedsKey => "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."u8;
    public static ReadOnlySpan<byte> StreamBusyGroup => "BUSYGROUP Consumer Group name already exists"u8;
    public static ReadOnlySpan<byte> StreamEntriesAddedNegative => "ERR entries_added must be positive"u8;
    public static ReadOnlySpan<byte> StreamXSetIdBelowMaxDeleted => "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"u8;
    public static ReadOnlySpan<byte> StreamXSetIdTooSmall => "ERR The ID specified in XSETID is smaller than the target stream top item"u8;
    public static ReadOnlySpan<byte> StreamXSetIdEntriesAdded => "ERR The entries_added specified in XSETID is smaller than the target stream length"u8;
    public static ReadOnlySpan<byte> StreamXClaimMinIdle => "ERR Invalid min-idle-time argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> StreamXClaimIdle => "ERR Invalid IDLE option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> StreamXClaimTime => "ERR Invalid TIME option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> StreamXClaimRetryCount => "ERR Invalid RETRYCOUNT option argument for XCLAIM"u8;
    public static ReadOnlySpan<byte> StreamXAutoClaimMinIdle => "ERR Invalid min-idle-time argument for XAUTOCLAIM"u8;

    public static ReadOnlySpan<byte> StreamKeyGone => "UNBLOCKED the stream key no longer exists"u8;
    public static ReadOnlySpan<byte> StreamBlockedGroupGone => "NOGROUP the consumer group this client was blocked on no longer exists"u8;

    public static string StreamNoGroupRead(ReadOnlySpan<byte> key, ReadOnlySpan<byte> group) =>
        $"NOGROUP No such key '{Latin(key)}' or consumer group '{Latin(group)}' in XREADGROUP with GROUP option";

    public static string StreamNoGroupKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> group) =>
        $"NOGROUP No such key '{Latin(key)}' or consumer group '{Latin(group)}'";

    public static string StreamNoGroupForKey(ReadOnlySpan<byte> group, ReadOnlySpan<byte> key) =>
        $"NOGROUP No such consumer group '{Latin(group)}' for key name '{Latin(key)}'";

    public static string StreamXClaimOption(ReadOnlySpan<byte> opt) => $"ERR Unrecognized XCLAIM option '{Latin(opt)}'";

    private static string Latin(ReadOnlySpan<byte> s) => System.Text.Encoding.Latin1.GetString(s);
}
