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
}
