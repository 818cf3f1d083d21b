using Resident.Hosting;

namespace Resident.Http;

/// <summary>
/// The HTTP side of a worker generation's retirement: whether responses close their keep-alive connections, when
/// the last connection has left, and the one MaxRequest signal. The request middleware reads <see cref="IsDraining"/>
/// (one volatile read per request); the connection counter reports closes to <see cref="OnConnectionClosed"/>.
/// </summary>
internal sealed class ConnectionDrain
{
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _maxRequestReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ResidentServer? _server;
    private int _draining;

    /// <summary>Whether every response from now on asks the client to close its connection (HTTP/1.x <c>Connection: close</c>).</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Completes once, when the request count reaches <c>MaxRequest</c>; never with <c>MaxRequest = 0</c>.</summary>
    public Task MaxRequestReached => _maxRequestReached.Task;

    /// <summary>
    /// From now on responses close their connections; returns a task that completes when <paramref name="server"/>
    /// has no open connection left. Calling it again returns the same task.
    /// </summary>
    public Task BeginDraining(ResidentServer server)
    {
        Volatile.Write(ref _server, server);

        // Interlocked (a full fence) before reading the count, and the counter decrements (a full fence) before it
        // reads the flag: whichever of the two comes last sees the other, so the last close is never missed.
        Interlocked.Exchange(ref _draining, 1);
        if (server.ActiveConnections <= 0)
        {
            _idle.TrySetResult();
        }

        return _idle.Task;
    }

    /// <summary>Called after a connection closed (its count already decremented): completes the drain on the last one.</summary>
    public void OnConnectionClosed()
    {
        if (Volatile.Read(ref _draining) != 0 && Volatile.Read(ref _server) is { ActiveConnections: <= 0 })
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>The request that reached <c>MaxRequest</c> calls this (exactly one request does).</summary>
    /// <returns>Whether this call raised the signal.</returns>
    public bool ReachMaxRequest() => _maxRequestReached.TrySetResult();
}
