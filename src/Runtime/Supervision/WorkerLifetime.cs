using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Resident.Supervision;

/// <summary>
/// A worker's host lifetime: SIGTERM stops it gracefully, but Ctrl+C in the terminal (SIGINT to the whole process
/// group) and SIGQUIT are the master's to act on; the master then stops the workers in its own order.
/// </summary>
internal sealed class WorkerLifetime(IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _signals = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            lifetime.StopApplication();
        }));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _signals.ForEach(signal => signal.Dispose());
}
