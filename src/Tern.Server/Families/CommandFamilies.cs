using Tern.Server.Commands;

namespace Tern.Server.Families;

/// <summary>Every command family, registered once at start-up. One line per family.</summary>
public static class CommandFamilies
{
    public static void RegisterAll(CommandTable t)
    {
        ConnectionFamily.Register(t);
        StringFamily.Register(t);
        KeyFamily.Register(t);
        DebugFamily.Register(t);
        ServerFamily.Register(t);
        TransactionFamily.Register(t);
        BitmapFamily.Register(t);
        HyperLogLogFamily.Register(t);
        HashFamily.Register(t);
        SetFamily.Register(t);
        SortFamily.Register(t);
        ListFamily.Register(t);
        SortedSetFamily.Register(t);
        GeoFamily.Register(t);
        PubSubFamily.Register(t);
        StreamFamily.Register(t);
        DumpFamily.Register(t);
        PersistenceFamily.Register(t);
        ReplicationFamily.Register(t);
        ReplicationPrimaryFamily.Register(t);
    }
}
