using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>Helpers of the connection, protocol and limit tests: raw sockets, transcripts, CLIENT LIST parsing.</summary>
internal static partial class ConnectionTestKit
{
    /// <summary>A connected socket, optionally from a given local address (127.0.0.2 to look non-local).</summary>
    public static Socket Connect(int port, string? localAddress = null)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress != null) s.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
        s.Connect(IPAddress.Loopback, port);
        s.ReceiveTimeout = 30_000;
        return s;
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts) ms.Write(p);
        return ms.ToArray();
    }

    public static void SendAll(Socket s, byte[] data)
    {
        int off = 0;
        while (off < data.Length) off += s.Send(data, off, data.Length - off, SocketFlags.None);
    }

    /// <summary>Everything the server sends until it closes the connection (fails after 30 s).</summary>
    public static byte[] ReadToEnd(Socket s)
    {
        var ms = new MemoryStream();
        var buf = new byte[64 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = s.Receive(buf);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                break;
            }
            if (n == 0) break;
            ms.Write(buf, 0, n);
        }
        return ms.ToArray();
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and returns all it got back before the server closed it.</summary>
    public static string ExchangeUntilClosed(int port, byte[] request, string? localAddress = null)
    {
        using var s = Connect(port, localAddress);
        SendAll(s, request);
        return Encoding.Latin1.GetString(ReadToEnd(s));
    }

    public static string ExchangeUntilClosed(int port, string request) => ExchangeUntilClosed(port, Encoding.Latin1.GetBytes(request));

    /// <summary>The RESP of one reply with the value of HELLO's "id" replaced (ids differ between servers).</summary>
    public static string MaskHelloId(RespReply r) => HelloId().Replace(r.ToString(), "$1:ID");

    [GeneratedRegex(@"(\$2\r\nid\r\n):\d+")]
    private static partial Regex HelloId();

    /// <summary>The key=value fields of one CLIENT LIST line, in order.</summary>
    public static List<KeyValuePair<string, string>> Fields(string line)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var part in line.Trim().Split(' '))
        {
            int eq = part.IndexOf('=');
            result.Add(new(part[..eq], part[(eq + 1)..]));
        }
        return result;
    }

    public static string Field(string line, string name)
    {
        foreach (var kv in Fields(line))
            if (kv.Key == name) return kv.Value;
        throw new KeyNotFoundException(name);
    }

    /// <summary>The lines of a CLIENT LIST / CLIENT INFO reply (a bulk in RESP2, verbatim "txt:" in RESP3).</summary>
    public static string[] ClientLines(RespReply r)
    {
        var text = r.Text!;
        if (r.Type == '=') text = text[4..];
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The line of the client with <paramref name="id"/> in a CLIENT LIST reply, or null.</summary>
    public static string? LineOf(RespReply list, long id)
    {
        foreach (var l in ClientLines(list))
            if (Field(l, "id") == id.ToString()) return l;
        return null;
    }

    /// <summary>CLIENT LIST field names of Redis 7.0 in order; Tern adds Redis 7.2's lib-name and lib-ver at the end.</summary>
    public static void AssertSameFieldNames(string redisLine, string ternLine)
    {
        var r = Fields(redisLine).ConvertAll(kv => kv.Key);
        var t = Fields(ternLine).ConvertAll(kv => kv.Key);
        Assert.Equal([.. r, "lib-name", "lib-ver"], t);
    }

    /// <summary>Runs the same scenario against redis-server and Tern and compares the transcripts.</summary>
    public static void SameTranscript(Differential d, Func<int, List<string>> scenario)
    {
        var redis = scenario(d.Redis.Port);
        var tern = scenario(d.Tern.Port);
        Assert.Equal(redis, tern);
    }

    /// <summary>A MONITOR line with its timestamp replaced and the address replaced by a name.</summary>
    public static string NormalizeMonitorLine(string line, IReadOnlyDictionary<string, string> addrNames)
    {
        var m = MonitorLine().Match(line);
        if (!m.Success) return "NOT A MONITOR LINE: " + line;
        string addr = m.Groups[2].Value;
        return $"+TS [{m.Groups[1].Value} {addrNames.GetValueOrDefault(addr, "unknown " + addr)}]{m.Groups[3].Value}";
    }

    [GeneratedRegex(@"^\+\d+\.\d{6} \[(\d+) ([^\]]+)\](.*)$", RegexOptions.Singleline)]
    private static partial Regex MonitorLine();

    /// <summary>The "addr" of the connection <paramref name="c"/> (from its own CLIENT INFO).</summary>
    public static string AddrOf(RespClient c) => Field(ClientLines(c.Call("CLIENT", "INFO"))[0], "addr");
}
