using System.Text;
using Tern.Server.Commands;

namespace Tern.Server.Network;

/// <summary>
/// MONITOR: every command run by any client is sent to the monitoring clients as
/// <c>+1700000000.123456 [0 127.0.0.1:50000] "SET" "k" "v"</c>, as Redis formats it.
/// </summary>
public sealed class Monitors
{
    private volatile Connection[] _monitors = [];

    public bool Any => _monitors.Length > 0;

    private readonly object _lock = new();

    public void Add(Connection c)
    {
        lock (_lock) _monitors = [.. _monitors, c];
    }

    public void Remove(Connection c)
    {
        lock (_lock) _monitors = Array.FindAll(_monitors, x => x != c);
    }

    /// <summary>
    /// Feeds one command, after it ran (Redis's call(): the database shown is the one after the command, so
    /// SELECT shows its new one), to the monitors. Admin and skip_monitor commands are not shown; arguments the
    /// command redacted (AUTH passwords) show as "(redacted)".
    /// </summary>
    public void Feed(CommandContext ctx)
    {
        var list = _monitors;
        var client = ctx.Client;
        ulong redacted = client.RedactedArgs;
        if (redacted != 0) client.RedactedArgs = 0;
        if (list.Length == 0) return;
        var cmd = ctx.Command;
        if ((cmd.Flags & (CommandFlags.Admin | CommandFlags.SkipMonitor)) != 0) return;
        var sb = new StringBuilder();
        long us = Storage.Clock.UnixMicros();
        sb.Append('+').Append(us / 1_000_000).Append('.').Append((us % 1_000_000).ToString("D6"));
        sb.Append(" [").Append(ctx.Db).Append(' ').Append(client.Addr).Append(']');
        for (int i = 0; i < ctx.Args.Count; i++)
        {
            sb.Append(' ');
            if (i < 64 && (redacted & (1UL << i)) != 0) AppendRepr(sb, "(redacted)"u8);
            else AppendRepr(sb, ctx.Args[i]);
        }
        sb.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(sb.ToString());
        foreach (var m in list)
        {
            if (!m.Push(bytes)) Remove(m);
        }
    }

    /// <summary>Quotes like Redis's sdscatrepr: printable bytes as is, escapes for the rest.</summary>
    public static void AppendRepr(StringBuilder sb, ReadOnlySpan<byte> s)
    {
        sb.Append('"');
        foreach (byte c in s)
        {
            switch (c)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                default:
                    if (c >= 32 && c < 127) sb.Append((char)c);
                    else sb.Append("\\x").Append(c.ToString("x2"));
                    break;
            }
        }
        sb.Append('"');
    }
}
