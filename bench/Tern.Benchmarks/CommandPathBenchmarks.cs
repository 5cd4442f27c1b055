using System.Text;
using BenchmarkDotNet.Attributes;
using Tern.Protocol;
using Tern.Server;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Network;

namespace Tern.Benchmarks;

/// <summary>Parse + dispatch + execute of 16 pipelined commands, no network: the per-command cost at -P 16.</summary>
[MemoryDiagnoser]
public class CommandPathBenchmarks
{
    private TernServer _server = null!;
    private CommandContext _ctx = null!;
    private ReplyWriter _reply = null!;
    private readonly RequestParser _parser = new();
    private readonly CommandArgs _args = new();
    private byte[] _sets = [];
    private byte[] _gets = [];

    [GlobalSetup]
    public void Setup()
    {
        var config = new ServerConfig();
        config.SlowlogLogSlowerThan = -1;
        _server = new TernServer(config);
        _reply = new ReplyWriter();
        _ctx = new CommandContext(_server, new Client("127.0.0.1:1", "127.0.0.1:6379") { Authenticated = true }, _reply);
        var sets = new StringBuilder();
        var gets = new StringBuilder();
        for (int i = 0; i < 16; i++)
        {
            sets.Append($"*3\r\n$3\r\nSET\r\n$16\r\nkey:{i:D12}\r\n$3\r\nxxx\r\n");
            gets.Append($"*2\r\n$3\r\nGET\r\n$16\r\nkey:{i:D12}\r\n");
        }
        _sets = Encoding.ASCII.GetBytes(sets.ToString());
        _gets = Encoding.ASCII.GetBytes(gets.ToString());
        Run(_sets);
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    private void Run(byte[] input)
    {
        int pos = 0;
        while (pos < input.Length)
        {
            _parser.Parse(input.AsSpan(pos), _args, out int consumed);
            _args.Rebase(input, pos);
            _ctx.Args = _args;
            _server.Dispatcher.Execute(_ctx);
            pos += consumed;
        }
        _reply.Clear();
    }

    [Benchmark]
    public void Set16() => Run(_sets);

    [Benchmark]
    public void Get16() => Run(_gets);
}
