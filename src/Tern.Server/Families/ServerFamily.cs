using System.Text;
using Tern.Server.Commands;
using Tern.Server.Info;

namespace Tern.Server.Families;

/// <summary>Server commands: COMMAND, CONFIG, INFO, TIME and friends.</summary>
public static class ServerFamily
{
    // COMMAND
    private static void Command(CommandContext ctx)
    {
        var list = new List<CommandDef>(ctx.Server.Commands.Commands);
        ctx.Reply.ArrayHeader(list.Count);
        foreach (var c in list) MetadataWriter.WriteInfo(ctx.Reply, c);
    }

    // COMMAND COUNT
    private static void CommandCount(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.Commands.Count);

    // COMMAND INFO [command-name ...]
    private static void CommandInfo(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
        {
            Command(ctx);
            return;
        }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var def = ctx.Server.Commands.FindByFullName(Encoding.Latin1.GetString(ctx.Arg(i)).ToLowerInvariant());
            if (def == null) ctx.Reply.NullArray();
            else MetadataWriter.WriteInfo(ctx.Reply, def);
        }
    }

    // COMMAND DOCS [command-name ...]
    private static void CommandDocs(CommandContext ctx)
    {
        var defs = new List<CommandDef>();
        if (ctx.ArgCount == 2) defs.AddRange(ctx.Server.Commands.Commands);
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var def = ctx.Server.Commands.FindByFullName(Encoding.Latin1.GetString(ctx.Arg(i)).ToLowerInvariant());
                if (def != null) defs.Add(def);
            }
        }
        ctx.Reply.MapHeader(defs.Count);
        foreach (var d in defs)
        {
            ctx.Reply.Bulk(d.FullName);
            MetadataWriter.WriteDocs(ctx.Reply, d);
        }
    }

    // COMMAND LIST
    private static void CommandList(CommandContext ctx)
    {
        var names = new List<string>();
        foreach (var c in ctx.Server.Commands.Commands) names.Add(c.FullName);
        ctx.Reply.ArrayHeader(names.Count);
        foreach (var n in names) ctx.Reply.Bulk(n);
    }

    // CONFIG GET parameter [parameter ...]
    private static void ConfigGet(CommandContext ctx)
    {
        var found = new List<Configuration.ConfigParam>();
        var seen = new HashSet<Configuration.ConfigParam>();
        for (int i = 2; i < ctx.ArgCount; i++)
            foreach (var p in ctx.Server.Config.Match(ctx.Arg(i)))
                if (seen.Add(p)) found.Add(p);
        ctx.Reply.MapHeader(found.Count);
        foreach (var p in found)
        {
            ctx.Reply.Bulk(p.Name);
            ctx.Reply.Bulk(p.Get());
        }
    }

    // CONFIG SET parameter value [parameter value ...]
    private static void ConfigSet(CommandContext ctx)
    {
        if (ctx.ArgCount % 2 != 0)
        {
            ctx.WrongArgs();
            return;
        }
        var pairs = new List<(string, string)>();
        for (int i = 2; i < ctx.ArgCount; i += 2)
            pairs.Add((Encoding.UTF8.GetString(ctx.Arg(i)), Encoding.UTF8.GetString(ctx.Arg(i + 1))));
        var err = ctx.Server.Config.SetAtRuntime(pairs);
        if (err != null) ctx.Error(err);
        else ctx.Reply.Ok();
    }

    // CONFIG RESETSTAT
    private static void ConfigResetStat(CommandContext ctx)
    {
        ctx.Server.Stats.Reset();
        ctx.Server.SlowLog.Reset();
        ctx.Reply.Ok();
    }

    // INFO [section [section ...]]
    private static void InfoCmd(CommandContext ctx)
    {
        var sections = new List<string>();
        for (int i = 1; i < ctx.ArgCount; i++) sections.Add(Encoding.UTF8.GetString(ctx.Arg(i)).ToLowerInvariant());
        var text = InfoBuilder.Build(ctx.Server, sections);
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(text), "txt"u8);
    }

    // TIME
    private static void Time(CommandContext ctx)
    {
        long us = Storage.Clock.UnixMicros();
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.BulkInteger(us / 1_000_000);
        ctx.Reply.BulkInteger(us % 1_000_000);
    }

    public static void Register(CommandTable t)
    {
        t.Add("command", Command);
        t.Add("command|count", CommandCount);
        t.Add("command|info", CommandInfo);
        t.Add("command|docs", CommandDocs);
        t.Add("command|list", CommandList);
        t.Add("config|get", ConfigGet);
        t.Add("config|set", ConfigSet);
        t.Add("config|resetstat", ConfigResetStat);
        t.Add("info", InfoCmd);
        t.Add("time", Time);
    }
}
