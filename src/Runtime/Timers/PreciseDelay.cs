namespace Resident.Timers;

/// <summary>
/// Waits until a moment of a <see cref="TimeProvider"/>'s monotonic clock, never returning before it (timers fire on
/// whole milliseconds, sometimes early, so the wait rounds up and checks the clock again).
/// </summary>
internal static class PreciseDelay
{
    /// <summary>
    /// Returns true at or after <paramref name="dueTimestamp"/> (a timestamp of <paramref name="time"/>), false if
    /// cancelled first.
    /// </summary>
    public static async Task<bool> UntilAsync(TimeProvider time, long dueTimestamp, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = time.GetElapsedTime(time.GetTimestamp(), dueTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                return !cancellationToken.IsCancellationRequested;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            // Round up so the wait never ends early; a day at most per step keeps the value a valid delay.
            var milliseconds = Math.Min(Math.Ceiling(remaining.TotalMilliseconds), TimeSpan.FromDays(1).TotalMilliseconds);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>The timestamp of <paramref name="time"/> that is <paramref name="delay"/> from now.</summary>
    public static long FromNow(TimeProvider time, TimeSpan delay) => time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
}
