using Microsoft.Extensions.Logging;

namespace Resident.Tables;

internal static partial class TableLog
{
    [LoggerMessage(50, LogLevel.Information, "Table {Table}: {Size} rows of {RowSize} bytes in {Bytes} bytes of shared memory at {Path} ({How}).")]
    public static partial void TableOpened(ILogger logger, string table, int size, int rowSize, long bytes, string path, string how);

    [LoggerMessage(51, LogLevel.Warning, "Table {Table} is full ({Size} rows): a new key was refused. Raise [SwooleTable(Size = …)]; this is logged at most every 10 s.")]
    public static partial void TableFull(ILogger logger, string table, int size);

    [LoggerMessage(52, LogLevel.Warning, "Removed the stale shared memory {Path} (table {Table}) left by process {ProcessId}, which is no longer running.")]
    public static partial void StaleTableReplaced(ILogger logger, string path, string table, int processId);

    [LoggerMessage(53, LogLevel.Warning, "Table {Table}: process {ProcessId} died holding a row lock; the lock was taken over and the bucket repaired.")]
    public static partial void LockRecovered(ILogger logger, string table, int processId);

    [LoggerMessage(54, LogLevel.Information, "Released table {Table} ({Path}): no other process was attached.")]
    public static partial void TableReleased(ILogger logger, string table, string path);

    [LoggerMessage(55, LogLevel.Warning, "Table {Table} ({Path}): could not leave its registry of attached processes, or remove the file as the last one; the next process to start or stop sweeps this one's entry.")]
    public static partial void DetachFailed(ILogger logger, string table, string path, Exception exception);
}
