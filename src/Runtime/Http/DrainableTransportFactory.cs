using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resident.Http;

/// <summary>
/// Kestrel's socket transport (TCP, Unix sockets and inherited handles), with listeners that can be told to stop
/// accepting while the connections they accepted go on: the seam a retiring worker generation needs.
/// </summary>
/// <remarks>
/// Kestrel takes every registered <see cref="IConnectionListenerFactory"/> and tries them newest first; this one is
/// registered after the host's own socket transport, so Kestrel binds through it. Per accepted connection it adds one
/// call through the wrapping listener; requests never see it.
/// </remarks>
internal sealed class DrainableTransportFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggerFactory)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportFactory _sockets = new(options, loggerFactory);
    private readonly Lock _gate = new();
    private readonly List<DrainableListener> _listeners = [];
    private bool _stopped;

    /// <summary>Whether <see cref="StopAcceptingAsync"/> was called: listeners bound from now on stop at once.</summary>
    public bool IsStopped
    {
        get
        {
            lock (_gate)
            {
                return _stopped;
            }
        }
    }

    /// <summary>How many listeners are bound and still accepting (for tests and logs).</summary>
    public int AcceptingListeners
    {
        get
        {
            lock (_gate)
            {
                return _stopped ? 0 : _listeners.Count;
            }
        }
    }

    public bool CanBind(EndPoint endpoint) => _sockets.CanBind(endpoint);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        IConnectionListener inner;
        try
        {
            inner = await _sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (AddressInUseException)
        {
            // The user's to fix, not a bug: a start-up error without a stack trace, with the way out.
            throw new ResidentStartupException([
                $"Resident could not listen on {endpoint}: the address is already in use by another process. Stop it, or choose "
                + "another port with Resident:ListenPort (0 lets the system pick a free one) or another address with Resident:ListenIp."]);
        }

        var listener = new DrainableListener(inner, this);
        bool stopped;
        lock (_gate)
        {
            stopped = _stopped;
            if (!stopped)
            {
                _listeners.Add(listener);
            }
        }

        if (stopped)
        {
            await listener.StopAcceptingAsync().ConfigureAwait(false);
        }

        return listener;
    }

    /// <summary>
    /// Stops every listener accepting, now and for good: each closes its listen socket in this process (a socket
    /// inherited from the master stays open there and in the other workers, which go on accepting from it), and its
    /// pending accept returns null, which ends Kestrel's accept loop. Open connections are not touched.
    /// </summary>
    /// <returns>How many listeners were stopped.</returns>
    public async Task<int> StopAcceptingAsync()
    {
        DrainableListener[] listeners;
        lock (_gate)
        {
            if (_stopped)
            {
                return 0;
            }

            _stopped = true;
            listeners = [.. _listeners];
            _listeners.Clear();
        }

        foreach (var listener in listeners)
        {
            await listener.StopAcceptingAsync().ConfigureAwait(false);
        }

        return listeners.Length;
    }

    private void Forget(DrainableListener listener)
    {
        lock (_gate)
        {
            _listeners.Remove(listener);
        }
    }

    private sealed class DrainableListener(IConnectionListener inner, DrainableTransportFactory owner) : IConnectionListener
    {
        private volatile bool _stopped;

        public EndPoint EndPoint => inner.EndPoint;

        // Once stopped, no accept reaches the socket. A connection the socket accepted just before the stop is
        // returned and served: dropping it would reset a client.
        public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default) =>
            _stopped ? ValueTask.FromResult<ConnectionContext?>(null) : inner.AcceptAsync(cancellationToken);

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            owner.Forget(this);
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            owner.Forget(this);
            return inner.DisposeAsync();
        }

        // The socket listener's unbind closes its listen socket (without the shutdown() that would stop the socket
        // in other processes too) and aborts its pending accept, which then returns null; it may be called again
        // by Kestrel's own stop.
        public ValueTask StopAcceptingAsync()
        {
            _stopped = true;
            return inner.UnbindAsync(CancellationToken.None);
        }
    }
}
