namespace Resident.Tasks;

/// <summary>A delivery that failed its last try, as the dashboard lists it.</summary>
/// <param name="Task">The task's name, or the event's listener.</param>
/// <param name="Attempt">The try that failed last.</param>
/// <param name="At">When it failed.</param>
/// <param name="Exception">The exception's type.</param>
/// <param name="Message">The exception's message.</param>
internal readonly record struct TaskFailure(string Task, int Attempt, DateTimeOffset At, string Exception, string Message);

/// <summary>
/// The last <see cref="Capacity"/> failures in a ring: enough for a dashboard to show what went wrong lately, bounded
/// however many tasks fail. Written only when a delivery gives up, so the lock is off every hot path.
/// </summary>
internal sealed class TaskFailureLog
{
    public const int Capacity = 20;

    // A message longer than this is cut: the dashboard shows a line, the log keeps the whole exception.
    private const int MaxMessageLength = 500;

    private readonly TaskFailure[] _ring = new TaskFailure[Capacity];
    private readonly Lock _gate = new();
    private long _written;

    public void Add(string task, int attempt, DateTimeOffset at, Exception exception)
    {
        var message = exception.Message.Length > MaxMessageLength ? exception.Message[..MaxMessageLength] + "…" : exception.Message;
        var failure = new TaskFailure(task, attempt, at, exception.GetType().FullName ?? exception.GetType().Name, message);
        lock (_gate)
        {
            _ring[_written % Capacity] = failure;
            _written++;
        }
    }

    /// <summary>The kept failures, newest first.</summary>
    public TaskFailure[] Snapshot()
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_written, Capacity);
            var newestFirst = new TaskFailure[count];
            for (var i = 0; i < count; i++)
            {
                newestFirst[i] = _ring[(_written - 1 - i) % Capacity];
            }

            return newestFirst;
        }
    }
}
