namespace Resident;

/// <summary>A custom process declared with <see cref="CustomProcessAttribute">[CustomProcess]</see>.</summary>
public interface ICustomProcess
{
    /// <summary>
    /// Runs until <see cref="CustomProcessContext.CancellationToken"/> is signalled; it must not return before.
    /// Answer requests with <see cref="CustomProcessContext.AnswerAsync"/> (each answer goes back to the caller that
    /// asked), or use the raw pipe: read messages with <see cref="CustomProcessContext.ReadAsync"/> and write with
    /// <see cref="CustomProcessContext.WriteAsync"/>.
    /// </summary>
    Task RunAsync(CustomProcessContext context);

    /// <summary>Called when the server reloads (SIGUSR1 or the <c>reload</c> verb). The default does nothing.</summary>
    ValueTask OnReloadAsync(CustomProcessContext context) => ValueTask.CompletedTask;

    /// <summary>Called when the server stops, before the cancellation token is signalled. The default does nothing.</summary>
    ValueTask OnStopAsync(CustomProcessContext context) => ValueTask.CompletedTask;
}
