namespace Resident;

/// <summary>A shared-memory table seen without its row type: what <see cref="SwooleTables"/> lists by name.</summary>
public interface ISwooleTable
{
    /// <summary>The table's name.</summary>
    string Name { get; }

    /// <summary>The generated row layout.</summary>
    TableSchema Schema { get; }

    /// <summary>The most rows the table holds.</summary>
    int Size { get; }

    /// <summary>Rows in the table now.</summary>
    int Count { get; }

    /// <summary>Bytes of shared memory the table takes.</summary>
    long MemorySize { get; }

    /// <summary>The shared-memory file, e.g. <c>/dev/shm/resident.app-5200.ws</c>; empty before the server starts.</summary>
    string Path { get; }

    /// <summary>Whether <paramref name="key"/> has a row.</summary>
    /// <exception cref="ArgumentException">The key is empty or over 63 UTF-8 bytes.</exception>
    bool Exists(string key);

    /// <summary>Removes the row of <paramref name="key"/>; false when there was none.</summary>
    /// <exception cref="ArgumentException">The key is empty or over 63 UTF-8 bytes.</exception>
    bool Delete(string key);

    /// <summary>Atomically adds <paramref name="by"/> to integer column number <paramref name="column"/> and returns the new value; a missing row is created first.</summary>
    /// <exception cref="ArgumentException">The key is invalid or the column is not an integer column.</exception>
    /// <exception cref="InvalidOperationException">The row is new and the table is full.</exception>
    long Increment(string key, int column, long by = 1);

    /// <summary>Atomically adds <paramref name="by"/> to <see cref="double"/> column number <paramref name="column"/> and returns the new value.</summary>
    double Increment(string key, int column, double by);

    /// <summary>Atomically subtracts <paramref name="by"/> from integer column number <paramref name="column"/> and returns the new value.</summary>
    long Decrement(string key, int column, long by = 1);

    /// <summary>Atomically subtracts <paramref name="by"/> from <see cref="double"/> column number <paramref name="column"/> and returns the new value.</summary>
    double Decrement(string key, int column, double by);

    /// <summary><see cref="Increment(string, int, long)"/> by its Swoole name.</summary>
    long Incr(string key, int column, long by = 1);

    /// <summary><see cref="Increment(string, int, double)"/> by its Swoole name.</summary>
    double Incr(string key, int column, double by);

    /// <summary><see cref="Decrement(string, int, long)"/> by its Swoole name.</summary>
    long Decr(string key, int column, long by = 1);

    /// <summary><see cref="Decrement(string, int, double)"/> by its Swoole name.</summary>
    double Decr(string key, int column, double by);
}
