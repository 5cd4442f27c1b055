using System.Text;
using Tern.Protocol;

namespace Tern.Unit.Tests;

public sealed class RequestParserTests
{
    private static List<string[]> ParseAll(byte[] input, out string? error)
    {
        var parser = new RequestParser();
        var args = new CommandArgs();
        var result = new List<string[]>();
        int pos = 0;
        error = null;
        while (pos < input.Length)
        {
            var st = parser.Parse(input.AsSpan(pos), args, out int consumed);
            if (st == ParseStatus.Incomplete) break;
            if (st == ParseStatus.Error)
            {
                error = parser.Error;
                break;
            }
            if (st == ParseStatus.Command)
            {
                args.Rebase(input, pos);
                var cmd = new string[args.Count];
                for (int i = 0; i < args.Count; i++) cmd[i] = Encoding.Latin1.GetString(args[i]);
                result.Add(cmd);
            }
            pos += consumed;
        }
        return result;
    }

    [Fact]
    public void ParsesMultibulkAndInline()
    {
        var cmds = ParseAll(Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nSET  a \"b c\"\r\n\r\n*0\r\n"), out var err);
        Assert.Null(err);
        Assert.Equal(3, cmds.Count);
        Assert.Equal(["GET", "k"], cmds[0]);
        Assert.Equal(["PING"], cmds[1]);
        Assert.Equal(["SET", "a", "b c"], cmds[2]);
    }

    [Theory]
    [InlineData("\"a\\x41\\n\" 'it\\'s' \"\"", new[] { "aA\n", "it's", "" })]
    [InlineData("a\"b c\"d", new[] { "ab cd" })]
    public void InlineQuoting(string line, string[] expected)
    {
        var cmds = ParseAll(Encoding.ASCII.GetBytes(line + "\r\n"), out var err);
        if (expected[0] == "ab cd")
        {
            // A closing quote must be followed by a space: Redis rejects this line.
            Assert.Equal("Protocol error: unbalanced quotes in request", err);
            return;
        }
        Assert.Null(err);
        Assert.Equal(expected, Assert.Single(cmds));
    }

    [Theory]
    [InlineData("*abc\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*3000000000\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n+foo\r\n", "Protocol error: expected '$', got '+'")]
    [InlineData("*1\r\n$-1\r\n", "Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$600000000\r\n", "Protocol error: invalid bulk length")]
    [InlineData("\"unterminated\r\n", "Protocol error: unbalanced quotes in request")]
    public void ProtocolErrorsUseRedisTexts(string input, string expected)
    {
        ParseAll(Encoding.ASCII.GetBytes(input), out var err);
        Assert.Equal(expected, err);
    }

    [Fact]
    public void InlineTooBig()
    {
        var big = new byte[70 * 1024];
        big.AsSpan().Fill((byte)'a');
        ParseAll(big, out var err);
        Assert.Equal("Protocol error: too big inline request", err);
    }

    [Fact]
    public void EverySplitPointGivesTheSameCommands()
    {
        var input = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$10\r\n0123456789\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
        var expected = ParseAll(input, out _);
        Assert.Equal(3, expected.Count);
        for (int split = 1; split < input.Length; split++)
        {
            // Feed the first part, then the whole buffer, as a connection would after a second read.
            var parser = new RequestParser();
            var args = new CommandArgs();
            var got = new List<string[]>();
            int pos = 0;
            foreach (int available in new[] { split, input.Length })
            {
                while (pos < available)
                {
                    var st = parser.Parse(input.AsSpan(pos, available - pos), args, out int consumed);
                    if (st == ParseStatus.Incomplete) break;
                    Assert.NotEqual(ParseStatus.Error, st);
                    if (st == ParseStatus.Command)
                    {
                        args.Rebase(input, pos);
                        var cmd = new string[args.Count];
                        for (int i = 0; i < args.Count; i++) cmd[i] = Encoding.Latin1.GetString(args[i]);
                        got.Add(cmd);
                    }
                    pos += consumed;
                }
            }
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void RandomGarbageOnlyYieldsCommandsOrProtocolErrors()
    {
        var rng = new Random(12345);
        for (int round = 0; round < 2000; round++)
        {
            var input = new byte[rng.Next(1, 200)];
            rng.NextBytes(input);
            if (rng.Next(2) == 0) input[0] = (byte)'*';
            // Must never throw; every outcome is a command, an incomplete read or a protocol error.
            ParseAll(input, out _);
        }
    }
}
