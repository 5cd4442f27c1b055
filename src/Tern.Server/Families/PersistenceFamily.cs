using System.Text;
using Tern.Server.Commands;

namespace Tern.Server.Families;

/// <summary>
/// SAVE, BGSAVE and LASTSAVE (rdb.c, server.c). Both saves use the forkless snapshotter: SAVE writes on the
/// calling connection's thread and replies when the file is in place (other clients are not blocked, unlike
/// Redis), BGSAVE writes on a background thread.
/// </summary>
public static class PersistenceFamily
{
    // SAVE
    private static void Save(CommandContext ctx)
    {
        var saves = ctx.Server.Saves;
        if (saves.BgsaveInProgress)
        {
            ctx.Error(Errors.BgsaveInProgress);
            return;
        }
        var error = saves.Save();
        if (error == null) ctx.Reply.Ok();
        else if (error == "Background save already in progress") ctx.Error(Errors.BgsaveInProgress);
        else ctx.Error(Errors.Generic);
    }

    // BGSAVE [SCHEDULE]
    private static void BgSave(CommandContext ctx)
    {
        // SCHEDULE only matters while another kind of child runs (an AOF rewrite); Tern has none.
        if (ctx.ArgCount > 1 && !(ctx.ArgCount == 2 && Ascii.EqualsIgnoreCase(ctx.Arg(1), "SCHEDULE"u8)))
        {
            ctx.SyntaxError();
            return;
        }
        var saves = ctx.Server.Saves;
        if (saves.BgsaveInProgress)
        {
            ctx.Error(Errors.BgsaveInProgress);
        }
        else if (ctx.InExec)
        {
            // Inside MULTI Redis does not fork: it schedules (with or without SCHEDULE).
            saves.Schedule();
            ctx.Reply.Simple("Background saving scheduled"u8);
        }
        else if (saves.StartBackground())
        {
            ctx.Reply.Simple("Background saving started"u8);
        }
        else
        {
            // Another snapshot (SAVE, a replica's full sync) holds the snapshotter: Redis's RDB child answers so too.
            ctx.Error(Errors.BgsaveInProgress);
        }
    }

    // LASTSAVE
    private static void LastSave(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.Saves.LastSaveUnix);

    public static void Register(CommandTable t)
    {
        t.Add("save", Save);
        t.Add("bgsave", BgSave);
        t.Add("lastsave", LastSave);
    }
}
