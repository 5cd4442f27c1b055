using System.Text;
using Tern.Server.Commands;

namespace Tern.TestKit;

/// <summary>
/// Records what a Tern primary would send its replicas (attach with <c>server.PropagationSink = recorder</c>), one
/// "ARG ARG ..." line per propagated command, so tests can pin the propagated form of each write.
/// </summary>
public sealed class PropagationRecorder : IPropagationSink
{
    private readonly List<string> _commands = [];

    /// <summary>The commands recorded so far, in order.</summary>
    public List<string> Commands
    {
        get
        {
            lock (_commands) return [.. _commands];
        }
    }

    public void Clear()
    {
        lock (_commands) _commands.Clear();
    }

    public void Append(int db, ReadOnlySpan<byte> resp, int commandCount)
    {
        var s = Encoding.Latin1.GetString(resp);
        int i = 0;
        for (int c = 0; c < commandCount; c++)
        {
            int eol = s.IndexOf("\r\n", i, StringComparison.Ordinal);
            int argc = int.Parse(s.AsSpan(i + 1, eol - i - 1));
            i = eol + 2;
            var parts = new List<string>(argc);
            for (int a = 0; a < argc; a++)
            {
                eol = s.IndexOf("\r\n", i, StringComparison.Ordinal);
                int len = int.Parse(s.AsSpan(i + 1, eol - i - 1));
                parts.Add(s.Substring(eol + 2, len));
                i = eol + 2 + len + 2;
            }
            lock (_commands) _commands.Add(string.Join(' ', parts));
        }
    }
}
