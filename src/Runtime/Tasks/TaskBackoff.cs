namespace Resident;

/// <summary>How long a failed task or listener waits before its next try.</summary>
public enum TaskBackoff
{
    /// <summary>Retry at once.</summary>
    Immediate = 0,

    /// <summary>Wait <c>BackoffMilliseconds</c> before every retry.</summary>
    Fixed = 1,

    /// <summary>
    /// Wait <c>BackoffMilliseconds × 2^(try − 1)</c>, capped at <c>MaxBackoffMilliseconds</c>, with full jitter
    /// (a random delay between half and all of it) so retries of many tasks do not arrive together.
    /// </summary>
    Exponential = 2,
}
