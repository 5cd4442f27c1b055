using Tern.Server.Configuration;

namespace Tern.Unit.Tests;

/// <summary>CONFIG REWRITE's text transformation, as Redis 7.0's rewriteConfig does it.</summary>
public sealed class ConfigRewriterTests
{
    private static ServerConfig Loaded(string text)
    {
        var c = new ServerConfig();
        var errors = new List<string>();
        Assert.True(ConfigLoader.ApplyText(c, text, errors), string.Join("\n", errors));
        return c;
    }

    private static void Set(ServerConfig c, string name, string value) => Assert.Null(c.SetAtRuntime([(name, value)]));

    // What Redis always writes, whatever the values: dir, save and the latency percentiles.
    private static string Always(ServerConfig c) =>
        // Redis's default save points, one line each (in sorted order, as the tests compare sorted lines).
        $"dir {ConfigRewriter.Repr(c.Dir)}\nlatency-tracking-info-percentiles 50 99 99.9\nsave 300 100\nsave 3600 1\nsave 60 10000\n";

    [Fact]
    public void KeepsCommentsAndOrderAndUpdatesInPlace()
    {
        const string old = "# My server\n\ntimeout 10\n# limits\nmaxclients 100\n";
        var c = Loaded(old);
        Set(c, "maxclients", "200");
        string result = ConfigRewriter.Rewrite(c, old);
        Assert.StartsWith("# My server\n\ntimeout 10\n# limits\nmaxclients 200\n\n" + ConfigRewriter.Signature + "\n", result);
    }

    [Fact]
    public void AppendsChangedParametersOnceUnderTheSignature()
    {
        const string old = "timeout 10\n";
        var c = Loaded(old);
        Set(c, "slowlog-max-len", "5");
        Set(c, "proto-max-bulk-len", "64mb");
        string once = ConfigRewriter.Rewrite(c, old);
        var lines = once.Split('\n');
        Assert.Equal("timeout 10", lines[0]);
        Assert.Single(Array.FindAll(lines, l => l == ConfigRewriter.Signature));
        Assert.Contains("slowlog-max-len 5", lines);
        Assert.Contains("proto-max-bulk-len 64mb", lines);
        // As with Redis, the file's final newline leaves one blank line at the end of the next rewrite, and
        // from then on nothing changes.
        string twice = ConfigRewriter.Rewrite(c, once);
        Assert.Equal(once + "\n", twice);
        Assert.Equal(twice, ConfigRewriter.Rewrite(c, twice));
    }

    [Fact]
    public void DefaultValueStaysOnItsLineButIsNotAppended()
    {
        const string old = "maxclients 100\n";
        var c = Loaded(old);
        Set(c, "maxclients", "10000");
        string result = ConfigRewriter.Rewrite(c, old);
        Assert.StartsWith("maxclients 10000\n", result);
        Assert.DoesNotContain("timeout", result);
    }

    [Fact]
    public void DuplicatesAreBlankedAndBlankRunsCollapse()
    {
        const string old = "timeout 1\n\n\n\ntimeout 2\nmaxclients 5\ntimeout 3\n";
        var c = Loaded(old);
        string result = ConfigRewriter.Rewrite(c, old);
        Assert.StartsWith("timeout 3\n\nmaxclients 5\n\n", result);
    }

    [Fact]
    public void UnsetSecretsAndDefaultBindAreRemoved()
    {
        const string old = "requirepass secret\nbind 127.0.0.1\ntimeout 4\n";
        var c = Loaded(old);
        Set(c, "requirepass", "");
        c.Bind = ["*", "-::*"];
        string result = ConfigRewriter.Rewrite(c, old);
        Assert.StartsWith("\ntimeout 4\n", result);
        Assert.DoesNotContain("requirepass", result);
        Assert.DoesNotContain("bind", result);
    }

    [Fact]
    public void UnknownDirectivesBecomeComments()
    {
        const string old = "timeout 4\nfrobnicate yes\ninclude /etc/other.conf\nunbalanced \"quote\n";
        var c = Loaded("timeout 4\n");
        string result = ConfigRewriter.Rewrite(c, old);
        Assert.StartsWith("timeout 4\n# ??? frobnicate yes\ninclude /etc/other.conf\n# ??? unbalanced \"quote\n", result);
    }

    [Fact]
    public void AliasesRewriteThePrimaryLine()
    {
        const string old = "slave-read-only yes\n";
        var c = Loaded(old);
        Set(c, "replica-read-only", "no");
        Assert.StartsWith("replica-read-only no\n", ConfigRewriter.Rewrite(c, old));
    }

    [Fact]
    public void QuotesStringsAndFormatsBytes()
    {
        var c = Loaded("");
        Set(c, "requirepass", "a \"b\"\n\u00e9");
        Set(c, "client-output-buffer-limit", "normal 1073741824 1025 10");
        string result = ConfigRewriter.Rewrite(c, "");
        string expected = ConfigRewriter.Signature + "\n" +
                          "requirepass \"a \\\"b\\\"\\n\\xc3\\xa9\"\n" +
                          "client-output-buffer-limit normal 1gb 1025 10\n" +
                          Always(c);
        Assert.Equal(Sorted(expected, 1), Sorted(result, 1));
        // The quoted form reads back as the same value.
        var again = Loaded(result);
        Assert.Equal("a \"b\"\n\u00e9", again.RequirePass);
    }

    [Fact]
    public void EmptyFileGetsOnlyWhatDiffersAndWhatRedisAlwaysWrites()
    {
        var c = Loaded("");
        Assert.Equal(ConfigRewriter.Signature + "\n" + Always(c), Sorted(ConfigRewriter.Rewrite(c, ""), 1));
    }

    /// <summary>Keeps the first <paramref name="keep"/> lines and sorts the rest (appended lines have no fixed order in Redis).</summary>
    private static string Sorted(string text, int keep)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        var tail = lines[keep..];
        Array.Sort(tail, StringComparer.Ordinal);
        return string.Join("\n", lines[..keep]) + "\n" + string.Join("\n", tail) + "\n";
    }
}
