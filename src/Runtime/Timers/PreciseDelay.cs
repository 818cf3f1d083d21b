using System.Diagnostics;

namespace Resident.Timers;

/// <summary>Waits until a monotonic-clock moment, never returning before it (timers fire on whole milliseconds, sometimes early).</summary>
internal static class PreciseDelay
{
    /// <summary>Returns true at or after <paramref name="dueTimestamp"/> (a <see cref="Stopwatch"/> timestamp), false if cancelled first.</summary>
    public static async Task<bool> UntilAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                return !cancellationToken.IsCancellationRequested;
            }

            // Round up so the wait never ends early; a day at most per step keeps the value a valid delay.
            var milliseconds = Math.Min(Math.Ceiling(remaining.TotalMilliseconds), TimeSpan.FromDays(1).TotalMilliseconds);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>The Stopwatch timestamp <paramref name="delay"/> from now.</summary>
    public static long FromNow(TimeSpan delay) => Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
}
