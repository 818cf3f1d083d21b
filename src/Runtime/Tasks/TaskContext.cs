using Microsoft.Extensions.DependencyInjection;

namespace Resident;

/// <summary>What a running task, listener or finish callback knows about its run.</summary>
public sealed class TaskContext : IAsyncDisposable
{
    private readonly IServiceProvider _rootServices;
    private AsyncServiceScope? _scope;

    internal TaskContext(string name, int attempt, int tries, IServiceProvider rootServices, CancellationToken stopping)
    {
        Name = name;
        Attempt = attempt;
        Tries = tries;
        _rootServices = rootServices;
        CancellationToken = stopping;
    }

    /// <summary>The task or listener type's name.</summary>
    public string Name { get; }

    /// <summary>This try's number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>How many tries the delivery has in all.</summary>
    public int Tries { get; }

    /// <summary>Signalled when the server stops and <c>MaxWaitTime</c> has run out: give up promptly.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A service scope of its own for this run (created on first use, disposed after it).</summary>
    public IServiceProvider Services => (_scope ??= _rootServices.CreateAsyncScope()).ServiceProvider;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _scope is { } scope ? scope.DisposeAsync() : ValueTask.CompletedTask;
}
