using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>ROLE and WAIT on a primary with no replicas, byte for byte against redis-server 7.0 (RESP2 and RESP3).</summary>
public sealed class ReplicationCommandTests(Differential d) : IClassFixture<Differential>
{
    [Fact]
    public void WaitAndRoleOnAPrimaryWithoutReplicas()
    {
        d.Reset();
        foreach (var proto in new[] { "2", "3" })
        {
            d.Both("HELLO", proto);
            d.Script("""
                WAIT 0 0
                WAIT -1 100
                WAIT 1 10
                WAIT x 0
                WAIT 1 x
                WAIT 1 -1
                WAIT 1 1.5
                WAIT 99999999999999999999 0
                ROLE
                ROLE x
                MULTI
                WAIT 5 0
                EXEC
                REPLICAOF 127.0.0.1 x
                REPLICAOF 127.0.0.1 70000
                REPLICAOF NO ONE
                SLAVEOF no one
                REPLICAOF a
                """);
        }
    }

    [Fact]
    public void WaitForeverEndsWithClientUnblock()
    {
        using var waiter = d.Tern.Connect();
        using var admin = d.Tern.Connect();
        long id = waiter.Call("CLIENT", "ID").Integer;
        waiter.Send("WAIT", 1, 0);
        Wait.Until(() => admin.Call("CLIENT", "UNBLOCK", id).Integer == 1, "WAIT to block");
        Assert.Equal(":0\r\n", waiter.Read().ToString());
        waiter.Send("WAIT", 1, 0);
        Wait.Until(() => admin.Call("CLIENT", "UNBLOCK", id, "ERROR").Integer == 1, "WAIT to block again");
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK", waiter.Read().Text);
    }
}
