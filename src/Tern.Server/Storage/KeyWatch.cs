namespace Tern.Server.Storage;

/// <summary>Someone WATCHing keys: told when one of them is modified, expires or is flushed.</summary>
public interface IKeyWatcher
{
    void OnWatchedKeyTouched();
}

/// <summary>One watched key in a shard's watch list.</summary>
public readonly record struct WatchEntry(int Db, byte[] Key, IKeyWatcher Watcher);
