namespace Resident.Tasks;

/// <summary>The task queue's recent failures, for the dashboard.</summary>
internal sealed partial class TaskQueue
{
    private readonly TaskFailureLog _recentFailures = new();

    /// <summary>The last deliveries that failed their last try (at most <see cref="TaskFailureLog.Capacity"/>), newest first.</summary>
    internal TaskFailure[] RecentFailures => _recentFailures.Snapshot();

    private void RecordFailure(string name, int attempt, Exception exception) => _recentFailures.Add(name, attempt, _time.GetUtcNow(), exception);
}
