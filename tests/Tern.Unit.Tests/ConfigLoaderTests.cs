using Tern.Server.Configuration;

namespace Tern.Unit.Tests;

/// <summary>Config file and command-line parsing with redis-server 7.0's rules and error messages.</summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tern-conf-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (ServerConfig Config, List<string> Errors) Text(string text)
    {
        var c = new ServerConfig();
        var errors = new List<string>();
        ConfigLoader.ApplyText(c, text, errors);
        return (c, errors);
    }

    private string File(string name, string content)
    {
        var p = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    [Theory]
    [InlineData("100", 100UL)]
    [InlineData("1k", 1000UL)]
    [InlineData("1K", 1000UL)]
    [InlineData("1kb", 1024UL)]
    [InlineData("1KB", 1024UL)]
    [InlineData("2m", 2_000_000UL)]
    [InlineData("2mb", 2UL * 1024 * 1024)]
    [InlineData("3g", 3_000_000_000UL)]
    [InlineData("3gb", 3UL * 1024 * 1024 * 1024)]
    [InlineData("7b", 7UL)]
    [InlineData("", 0UL)]
    public void MemoryUnits(string text, ulong expected)
    {
        Assert.True(ServerConfig.TryParseMemory(text, out ulong v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1x")]
    [InlineData("1 kb")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("1.5mb")]
    [InlineData("kb1")]
    public void BadMemoryValues(string text) => Assert.False(ServerConfig.TryParseMemory(text, out _));

    [Fact]
    public void CommentsBlankLinesAndQuoting()
    {
        var (c, errors) = Text("""
            # a comment
               # indented comment

            timeout 30
              maxclients   "77"
            requirepass 'it''s'
            """);
        // 'it''s' is not valid: a closing quote must be followed by a space.
        Assert.Equal(["Reading the configuration file, at line 6", ">>> 'requirepass 'it''s''", "Unbalanced quotes in configuration line"], errors);

        (c, errors) = Text("timeout 30\r\n  maxclients   \"77\"\r\nrequirepass \"p\\x41ss word\"\nlogfile ''\n");
        Assert.Empty(errors);
        Assert.Equal(30, c.Timeout);
        Assert.Equal(77, c.MaxClients);
        Assert.Equal("pAss word", c.RequirePass);
    }

    [Fact]
    public void DirectiveNamesAreCaseInsensitive()
    {
        var (c, errors) = Text("TimeOut 12\nSLAVE-READ-ONLY no\nproto-max-bulk-len 2mb\n");
        Assert.Empty(errors);
        Assert.Equal(12, c.Timeout);
        Assert.False(c.ReplicaReadOnly);
        Assert.Equal(2L * 1024 * 1024, c.ProtoMaxBulkLen);
    }

    [Fact]
    public void UnknownDirectiveIsFatalWithLineNumber()
    {
        var (_, errors) = Text("port 7000\n# comment\n  timeout 1\nfoo bar\ntimeout 2\n");
        Assert.Equal(["Reading the configuration file, at line 4", ">>> 'foo bar'", "Bad directive or wrong number of arguments"], errors);
    }

    [Theory]
    [InlineData("timeout 1 2", "wrong number of arguments")]
    [InlineData("timeout", "wrong number of arguments")]
    [InlineData("timeout abc", "argument couldn't be parsed into an integer")]
    [InlineData("timeout -1", "argument must be between 0 and 2147483647 inclusive")]
    [InlineData("proto-max-bulk-len 1x", "argument must be a memory value")]
    [InlineData("protected-mode maybe", "argument must be 'yes' or 'no'")]
    [InlineData("loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning")]
    [InlineData("maxmemory \"abc", "Unbalanced quotes in configuration line")]
    [InlineData("client-output-buffer-limit normal 0 0", "Wrong number of arguments in buffer limit configuration.")]
    [InlineData("client-output-buffer-limit master 0 0 0", "Invalid client class specified in buffer limit configuration.")]
    [InlineData("client-output-buffer-limit normal 1x 0 0", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")]
    [InlineData("save 100", "Invalid save parameters")]
    [InlineData("save 0 1", "Invalid save parameters")]
    [InlineData("latency-tracking-info-percentiles 50 abc", "Invalid latency-tracking-info-percentiles parameters")]
    [InlineData("latency-tracking-info-percentiles 101", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")]
    [InlineData("include", "Bad directive or wrong number of arguments")]
    public void BadValues(string line, string message)
    {
        var (_, errors) = Text("\n" + line + "\n");
        Assert.Equal(3, errors.Count);
        Assert.Equal("Reading the configuration file, at line 2", errors[0]);
        Assert.Equal($">>> '{line}'", errors[1]);
        Assert.Equal(message, errors[2]);
    }

    [Fact]
    public void RepeatedDirectives()
    {
        var (c, errors) = Text("""
            client-output-buffer-limit normal 1mb 2mb 10
            client-output-buffer-limit pubsub 3kb 1k 5
            client-output-buffer-limit replica 64mb 16mb 30
            timeout 1
            timeout 2
            save ""
            """);
        Assert.Empty(errors);
        Assert.Equal("normal 1048576 2097152 10 slave 67108864 16777216 30 pubsub 3072 1000 5", c.Find("client-output-buffer-limit")!.Get());
        Assert.Equal(2, c.Timeout);
        Assert.Equal("", c.Save);
    }

    [Fact]
    public void MultiWordValueInOneArgument()
    {
        var (c, errors) = Text("client-output-buffer-limit \"pubsub 1 2 3\"\nbind \"127.0.0.1 ::1\"\n");
        Assert.Empty(errors);
        Assert.Equal(new OutputBufferLimit(1, 2, 3), c.PubSubLimit);
        Assert.Equal(["127.0.0.1", "::1"], c.Bind);
    }

    [Fact]
    public void SaveLinesReplaceTheDefaultsThenAdd()
    {
        Assert.Equal("3600 1 300 100 60 10000", new ServerConfig().Save);
        var (c, errors) = Text("save 60 5\n");
        Assert.Empty(errors);
        Assert.Equal("60 5", c.Save);
        var (_, bad) = Text("save 3600\n");
        Assert.Equal("Invalid save parameters", bad[^1]);
    }

    [Fact]
    public void IncludeIsRelativeToWorkingDirectory()
    {
        var inc = File("inc.conf", "timeout 44\nmaxclients 55\n");
        var rel = Path.GetRelativePath(Directory.GetCurrentDirectory(), inc);
        Assert.False(Path.IsPathRooted(rel));
        var (c, errors) = Text($"timeout 1\ninclude {rel}\nmaxclients 66\n");
        Assert.Empty(errors);
        Assert.Equal(44, c.Timeout);
        Assert.Equal(66, c.MaxClients);
    }

    [Fact]
    public void IncludeWithWildcardAndErrorsInIncludedFile()
    {
        File("a.conf", "timeout 5\n");
        File("b.conf", "timeout 6\n");
        File("c.txt", "nonsense here\n");
        var (c, errors) = Text($"include {Path.Combine(_dir, "*.conf")}\n");
        Assert.Empty(errors);
        Assert.Equal(6, c.Timeout);

        (_, errors) = Text($"include {Path.Combine(_dir, "nomatch*.conf")}\n");
        Assert.Empty(errors);

        var bad = File("bad.conf", "timeout 1\nfoo\n");
        (_, errors) = Text($"timeout 1\ninclude {bad}\n");
        Assert.Equal(["Reading the configuration file, at line 2", ">>> 'foo'", "Bad directive or wrong number of arguments"], errors);

        var missing = Path.Combine(_dir, "missing.conf");
        (_, errors) = Text($"include {missing}\n");
        Assert.Equal([$"Fatal error, can't open config file '{missing}': No such file or directory"], errors);
    }

    [Fact]
    public void CommandLineFlags()
    {
        var c = new ServerConfig();
        var errors = ConfigLoader.ApplyArgs(c, ["--port", "7000", "--timeout", "5", "--save", "", "--requirepass", "a b\"c"]);
        Assert.Empty(errors);
        Assert.Equal(7000, c.Port);
        Assert.Equal(5, c.Timeout);
        Assert.Equal("", c.Save);
        Assert.Equal("a b\"c", c.RequirePass);
        Assert.Null(c.ConfigFile);
    }

    [Fact]
    public void CommandLineNameAndValueInOneArgumentAndBareSave()
    {
        var c = new ServerConfig();
        Assert.Empty(ConfigLoader.ApplyArgs(c, ["--port 7001", "--save", "--timeout", "9"]));
        Assert.Equal(7001, c.Port);
        Assert.Equal(9, c.Timeout);
        Assert.Empty(ConfigLoader.ApplyArgs(c, ["--timeout", "3", "--save"]));
        Assert.Equal(3, c.Timeout);
        Assert.Equal("", c.Save);
        // A name without its value takes the next argument as the value, even one starting with "--".
        Assert.Equal("maxclients \"--5\" \nport 7000 ", ConfigLoader.BuildOptions(["--maxclients", "--5", "--port 7000"], 0, out _));
    }

    [Fact]
    public void CommandLineMultiWordValues()
    {
        var c = new ServerConfig();
        Assert.Empty(ConfigLoader.ApplyArgs(c, ["--client-output-buffer-limit", "normal", "1", "2", "3", "--bind", "127.0.0.1", "::1"]));
        Assert.Equal(new OutputBufferLimit(1, 2, 3), c.NormalLimit);
        Assert.Equal(["127.0.0.1", "::1"], c.Bind);
    }

    [Fact]
    public void CommandLineErrorsCountLinesAfterTheFile()
    {
        // Redis appends the options after the file and a newline, so the first option is line 2.
        var errors = ConfigLoader.ApplyArgs(new ServerConfig(), ["--port", "7000", "--maxmemory-policy", "lru", "--foo"]);
        Assert.Equal(["Reading the configuration file, at line 3", ">>> 'maxmemory-policy \"lru\"'", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"], errors);
        errors = ConfigLoader.ApplyArgs(new ServerConfig(), ["--port", "7000", "--foo"]);
        Assert.Equal(["Reading the configuration file, at line 3", ">>> 'foo'", "Bad directive or wrong number of arguments"], errors);
    }

    [Fact]
    public void ConfigFileThenFlags()
    {
        var path = File("tern.conf", "# my server\ntimeout 10\nmaxclients 20\n");
        var c = new ServerConfig();
        Assert.Empty(ConfigLoader.ApplyArgs(c, [path, "--timeout", "11"]));
        Assert.Equal(11, c.Timeout);
        Assert.Equal(20, c.MaxClients);
        Assert.Equal(Path.GetFullPath(path), c.ConfigFile);

        var errors = ConfigLoader.ApplyArgs(new ServerConfig(), [path, "--timeout", "x"]);
        // File lines 1-3, the trailing empty line 4, a newline, then the option: line 5.
        Assert.Equal("Reading the configuration file, at line 5", errors[0]);

        var missing = Path.Combine(_dir, "none.conf");
        errors = ConfigLoader.ApplyArgs(new ServerConfig(), [missing]);
        Assert.Equal([$"Fatal error, can't open config file '{missing}': No such file or directory"], errors);
    }

    [Fact]
    public void HzIsClampedWhenApplied()
    {
        var (c, errors) = Text("hz 0\n");
        Assert.Empty(errors);
        Assert.Equal(1, c.Hz);
        (c, _) = Text("hz 1000\n");
        Assert.Equal(500, c.Hz);
    }

    [Fact]
    public void RuntimeSetIsAtomicWithRedisErrors()
    {
        var c = new ServerConfig();
        Assert.Equal("ERR Unknown option or number of arguments for CONFIG SET - 'nope'", c.SetAtRuntime([("timeout", "1"), ("nope", "1")]));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config", c.SetAtRuntime([("port", "1")]));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config", c.SetAtRuntime([("dir", "/")]));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter", c.SetAtRuntime([("timeout", "1"), ("TIMEOUT", "2")]));
        Assert.Null(c.SetAtRuntime([("replica-read-only", "no"), ("slave-read-only", "no")]));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'",
            c.SetAtRuntime([("SLAVE-read-only", "maybe")]));
        Assert.Equal("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive",
            c.SetAtRuntime([("timeout", "77"), ("maxclients", "0")]));
        Assert.Equal(0, c.Timeout);
        Assert.Null(c.SetAtRuntime([("timeout", "77"), ("maxclients", "9")]));
        Assert.Equal(77, c.Timeout);
        Assert.Equal(9, c.MaxClients);
    }
}
