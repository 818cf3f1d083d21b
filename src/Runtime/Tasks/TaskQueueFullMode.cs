namespace Resident;

/// <summary>What a task delivery or event firing does while the task queue is full.</summary>
public enum TaskQueueFullMode
{
    /// <summary>Wait up to <c>TaskQueueFullTimeout</c> for room, then refuse (the call returns false).</summary>
    Wait = 0,

    /// <summary>Refuse at once (the call returns false).</summary>
    Refuse = 1,
}
