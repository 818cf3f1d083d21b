using Microsoft.Extensions.DependencyInjection;

namespace Resident;

/// <summary>
/// What a running task, listener or finish callback knows about its run. Valid during the call only: a task worker
/// reuses its context for the next run (as Kestrel reuses HttpContext), so do not keep it.
/// </summary>
public sealed class TaskContext : IAsyncDisposable
{
    private readonly IServiceProvider _rootServices;
    private AsyncServiceScope? _scope;

    internal TaskContext(IServiceProvider rootServices, CancellationToken stopping)
    {
        _rootServices = rootServices;
        CancellationToken = stopping;
    }

    /// <summary>The task or listener type's name.</summary>
    public string Name { get; private set; } = "";

    /// <summary>This try's number, starting at 1.</summary>
    public int Attempt { get; private set; }

    /// <summary>How many tries the delivery has in all.</summary>
    public int Tries { get; private set; }

    /// <summary>
    /// For a durable task (<see cref="BackgroundTaskAttribute.Durable"/>): a key assigned once when it was delivered
    /// and kept by every retry and by a run on another node after this one died, so a handler can make its
    /// at-least-once runs effectively-once (record the key with its effect, skip a key already recorded). Null for
    /// in-memory tasks and listeners, which run in this process only.
    /// </summary>
    public string? IdempotencyKey { get; private set; }

    /// <summary>Prepares the context for one run.</summary>
    internal TaskContext Begin(string name, int attempt, int tries, string? idempotencyKey = null)
    {
        Name = name;
        Attempt = attempt;
        Tries = tries;
        IdempotencyKey = idempotencyKey;
        return this;
    }

    /// <summary>Signalled when the server stops and <c>MaxWaitTime</c> has run out: give up promptly.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A service scope of its own for this run (created on first use, disposed after it).</summary>
    public IServiceProvider Services => (_scope ??= _rootServices.CreateAsyncScope()).ServiceProvider;

    /// <summary>Whether the run made no service scope (so there is nothing to dispose).</summary>
    internal bool HasNoScope => _scope is null;

    /// <summary>Ends the run: disposes its service scope, if it made one.</summary>
    public ValueTask DisposeAsync()
    {
        if (_scope is not { } scope)
        {
            return ValueTask.CompletedTask;
        }

        _scope = null;
        return scope.DisposeAsync();
    }
}
