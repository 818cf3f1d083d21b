using Microsoft.Extensions.Logging;

namespace Resident.Tables;

/// <summary>The shared-memory tables log here; ids 1800–1899 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class TableLog
{
    [LoggerMessage(EventId = 1800, EventName = "TableOpened", Level = LogLevel.Information, Message = "Table {Table}: {Size} rows of {RowSize} bytes in {Bytes} bytes of shared memory at {Path} ({How}).")]
    public static partial void TableOpened(ILogger logger, string table, int size, int rowSize, long bytes, string path, string how);

    [LoggerMessage(EventId = 1801, EventName = "TableFull", Level = LogLevel.Warning, Message = "Table {Table} is full ({Size} rows): a new key was refused. Raise [SwooleTable(Size = …)]; this is logged at most every 10 s.")]
    public static partial void TableFull(ILogger logger, string table, int size);

    [LoggerMessage(EventId = 1802, EventName = "StaleTableReplaced", Level = LogLevel.Warning, Message = "Removed the stale shared memory {Path} (table {Table}) left by process {ProcessId}, which is no longer running.")]
    public static partial void StaleTableReplaced(ILogger logger, string path, string table, int processId);

    [LoggerMessage(EventId = 1803, EventName = "TableLockRecovered", Level = LogLevel.Warning, Message = "Table {Table}: process {ProcessId} died holding a row lock; the lock was taken over and the bucket repaired.")]
    public static partial void LockRecovered(ILogger logger, string table, int processId);

    [LoggerMessage(EventId = 1804, EventName = "TableReleased", Level = LogLevel.Information, Message = "Released table {Table} ({Path}): no other process was attached.")]
    public static partial void TableReleased(ILogger logger, string table, string path);

    [LoggerMessage(EventId = 1805, EventName = "TableDetachFailed", Level = LogLevel.Warning, Message = "Table {Table} ({Path}): could not leave its registry of attached processes, or remove the file as the last one; the next process to start or stop sweeps this one's entry.")]
    public static partial void DetachFailed(ILogger logger, string table, string path, Exception exception);
}
