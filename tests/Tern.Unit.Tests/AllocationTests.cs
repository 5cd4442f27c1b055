using System.Text;
using Tern.Protocol;
using Tern.Server;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Network;

namespace Tern.Unit.Tests;

/// <summary>
/// The command path must not allocate: after warm-up, parsing and executing GET, SET and INCR leaves the
/// thread's allocation counter unchanged (Garnet's allocation budget idea, measured, not timed).
/// </summary>
public sealed class AllocationTests
{
    private static long AllocatedWhileRunning(string pipeline, int rounds)
    {
        var config = new ServerConfig();
        config.SlowlogLogSlowerThan = -1;
        using var server = new TernServer(config);
        var client = new Client("127.0.0.1:1", "127.0.0.1:6379") { Authenticated = true };
        using var reply = new ReplyWriter();
        var ctx = new CommandContext(server, client, reply);
        var parser = new RequestParser();
        var args = new CommandArgs();
        var input = Encoding.ASCII.GetBytes(pipeline);

        void RunOnce()
        {
            int pos = 0;
            while (pos < input.Length)
            {
                var st = parser.Parse(input.AsSpan(pos), args, out int consumed);
                // (An xunit assertion here would itself allocate.)
                if (st != ParseStatus.Command) throw new InvalidOperationException("parse failed: " + st);
                args.Rebase(input, pos);
                ctx.Args = args;
                server.Dispatcher.Execute(ctx);
                pos += consumed;
            }
            reply.Clear();
        }

        for (int i = 0; i < 200; i++) RunOnce();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < rounds; i++) RunOnce();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void GetSetIncrAllocateNothingPerCommand()
    {
        // SET overwrites a value of the same size (the packed array is reused), INCR stays within 4 digits.
        const string pipeline =
            "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$10\r\n0123456789\r\n" +
            "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n" +
            "*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n" +
            "*3\r\n$3\r\nSET\r\n$3\r\nctr\r\n$4\r\n1000\r\n" +
            "*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n";
        long allocated = AllocatedWhileRunning(pipeline, 5000);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ListCommandsAllocateNothingPerCommand()
    {
        // The list keeps one element between rounds (LTRIM), so it is never deleted and re-created.
        static string Cmd(params string[] a)
        {
            var sb = new StringBuilder($"*{a.Length}\r\n");
            foreach (var x in a) sb.Append($"${x.Length}\r\n{x}\r\n");
            return sb.ToString();
        }
        string pipeline =
            Cmd("RPUSH", "q", "a", "b", "c") +
            Cmd("LPUSH", "q", "z") +
            Cmd("LRANGE", "q", "0", "-1") +
            Cmd("LINDEX", "q", "1") +
            Cmd("LLEN", "q") +
            Cmd("LPOS", "q", "b") +
            Cmd("LMOVE", "q", "q", "LEFT", "RIGHT") +
            Cmd("LSET", "q", "0", "y") +
            Cmd("LPOP", "q") +
            Cmd("RPOP", "q", "1") +
            Cmd("LTRIM", "q", "-1", "-1");
        long allocated = AllocatedWhileRunning(pipeline, 5000);
        Assert.Equal(0, allocated);
    }
}
