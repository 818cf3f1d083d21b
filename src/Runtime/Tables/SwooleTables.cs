using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Metrics;
using Resident.Tables;

namespace Resident;

/// <summary>
/// The app's <see cref="SwooleTableAttribute">[SwooleTable]</see>s by name — LaravelS's <c>app('swoole')-&gt;wsTable</c> is
/// <c>server.Tables["ws"]</c>. Reach it from <see cref="IResidentServer.Tables"/> or inject it.
/// </summary>
public sealed class SwooleTables : IReadOnlyCollection<ISwooleTable>, IDisposable
{
    private static int s_anonymousInstances;

    private readonly Dictionary<string, ITableHandle> _tables = new(StringComparer.Ordinal);
    private readonly IOptions<ResidentOptions> _options;
    private readonly IHostEnvironment? _environment;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<(string Table, SharedMemoryFile File)> _files = [];
    private bool _open;

    internal SwooleTables(
        IEnumerable<TableDeclaration> declarations, IOptions<ResidentOptions> options, IHostEnvironment? environment, ILoggerFactory loggerFactory, ResidentMetrics? metrics = null)
    {
        _options = options;
        _environment = environment;
        _logger = loggerFactory.CreateLogger("Resident.Tables");
        foreach (var declaration in declarations)
        {
            var handle = declaration.Create(_logger);
            _tables.Add(declaration.Name, handle);
            if (metrics is not null)
            {
                handle.Measure(metrics);
                metrics.ObserveTable(handle);
            }
        }
    }

    /// <summary>The number of tables.</summary>
    public int Count => _tables.Count;

    /// <summary>The instance name the shared memory is named after, known once the server has started.</summary>
    public string InstanceName { get; private set; } = "";

    /// <summary>The table named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No table has that name.</exception>
    public ISwooleTable this[string name] => TryGet(name, out var table)
        ? table
        : throw new KeyNotFoundException($"There is no table named '{name}'; the app declares: {string.Join(", ", _tables.Keys.Order(StringComparer.Ordinal))}.");

    /// <summary>Finds the table named <paramref name="name"/>.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out ISwooleTable? table)
    {
        table = _tables.TryGetValue(name, out var handle) ? handle.Table : null;
        return table is not null;
    }

    /// <summary>The table named <paramref name="name"/> with its row type.</summary>
    /// <exception cref="KeyNotFoundException">No table has that name.</exception>
    /// <exception cref="InvalidCastException">The table's rows are another type.</exception>
    public SwooleTable<TRow> Get<TRow>(string name) where TRow : struct, ITableRow<TRow> =>
        this[name] as SwooleTable<TRow>
        ?? throw new InvalidCastException($"Table '{name}' does not have rows of type {typeof(TRow).Name}.");

    /// <inheritdoc/>
    public IEnumerator<ISwooleTable> GetEnumerator() =>
        _tables.Values.Select(handle => handle.Table).OrderBy(table => table.Name, StringComparer.Ordinal).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Creates (or attaches to) every table's shared memory. Called at start, before anything is served.</summary>
    internal unsafe void Open()
    {
        lock (_gate)
        {
            if (_open || _tables.Count == 0)
            {
                return;
            }

            var settings = _options.Value.Tables;
            InstanceName = settings.InstanceName is { Length: > 0 } configured ? configured
                : Resident.Supervision.WorkerIdentity.OfThisProcess?.TablesInstance is { Length: > 0 } master ? master
                : DefaultInstanceName();
            var directory = settings.Directory is { Length: > 0 } dir ? dir : ResidentTableOptions.DefaultDirectory;
            if (!Directory.Exists(directory))
            {
                throw new InvalidOperationException(
                    $"{ResidentOptions.SectionName}:{ResidentTableOptions.SectionName}:{nameof(ResidentTableOptions.Directory)} is '{directory}', which does not exist.");
            }

            SweepStale(directory);
            try
            {
                foreach (var (name, handle) in _tables.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    var path = System.IO.Path.Combine(directory, $"resident.{InstanceName}.{name}");
                    var (file, table) = OpenOne(path, handle.Table.Schema);
                    _files.Add((name, file));
                    handle.Attach(table, path);
                    TableLog.TableOpened(_logger, name, table.Capacity, table.RowSize, file.Length, path,
                        file.Created ? "created" : $"attached to the table of process {TableAttachments.Holder(file.Pointer)}");
                }
            }
            catch
            {
                CloseLocked();
                throw;
            }

            _open = true;
        }
    }

    /// <summary>Detaches from every table; the last process attached to a table also removes its shared memory.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            CloseLocked();
        }
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>For tests: the processes attached to table <paramref name="name"/>, dead or alive, as its registry lists them.</summary>
    internal unsafe int[] AttachedProcesses(string name)
    {
        lock (_gate)
        {
            return _files.Find(entry => entry.Table == name).File is { } file ? TableAttachments.Entries(file.Pointer) : [];
        }
    }

    private unsafe void CloseLocked()
    {
        foreach (var handle in _tables.Values)
        {
            handle.Attach(null, handle.Table.Path);
        }

        foreach (var (table, file) in _files)
        {
            var removed = false;
            try
            {
                using var registry = TableAttachments.Lock(file.Pointer, file.Path);
                registry.Release();
                if (registry.SweepDead() == 0)
                {
                    // The last one out: closed first, so a process attaching right now starts a new table instead.
                    registry.Close();
                    DeleteFile(file.Path);
                    removed = true;
                }
            }
            catch (Exception exception) when (exception is TimeoutException or IOException or UnauthorizedAccessException)
            {
                TableLog.DetachFailed(_logger, table, file.Path, exception);
            }
            finally
            {
                file.Dispose();
            }

            if (removed)
            {
                TableLog.TableReleased(_logger, table, file.Path);
            }
        }

        _files.Clear();
        _open = false;
    }

    private unsafe (SharedMemoryFile File, SharedTable Table) OpenOne(string path, TableSchema schema)
    {
        var bytes = SharedTable.BytesFor(schema.Size, schema.RowSize);
        var layout = LayoutHash(schema);
        // Each turn either gets the table or saw it change hands: being created (still empty), closed or removed by
        // another process meanwhile. Back off between turns, within a bound.
        var giveUp = Environment.TickCount64 + 10_000;
        for (var backoff = default(SpinWait); Environment.TickCount64 < giveUp; backoff.SpinOnce())
        {
            SharedMemoryFile? file;
            try
            {
                file = SharedMemoryFile.TryCreate(path, bytes);
            }
            catch (IOException exception)
            {
                throw new InvalidOperationException(
                    $"Table '{schema.Name}' needs {bytes} bytes of shared memory at {path}, which could not be reserved: {exception.Message}", exception);
            }

            if (file is not null)
            {
                return (file, Watched(SharedTable.Initialize(file.Pointer, schema.Size, schema.RowSize, layout), schema.Name));
            }

            file = SharedMemoryFile.TryOpen(path);
            if (file is null)
            {
                continue; // Removed meanwhile (create it), or not sized yet by its creator.
            }

            // The creator formats the file right after creating it; give it a bounded moment.
            var deadline = Environment.TickCount64 + 2000;
            while (file.Length >= SharedTable.FixedHeaderBytes && !SharedTable.IsTableOfAnyVersion(file.Pointer) && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(5);
            }

            if (file.Length < SharedTable.FixedHeaderBytes || !SharedTable.IsTableOfAnyVersion(file.Pointer))
            {
                // Its creator died before formatting it.
                file.Unmap();
                DeleteFile(path);
                TableLog.StaleTableReplaced(_logger, path, schema.Name, 0);
                continue;
            }

            if (!SharedTable.IsInitialized(file.Pointer))
            {
                var holder = LiveHolderOfAnyVersion(file);
                var lastHolder = TableAttachments.Holder(file.Pointer);
                file.Unmap();
                if (holder == 0)
                {
                    DeleteFile(path);
                    TableLog.StaleTableReplaced(_logger, path, schema.Name, lastHolder);
                    continue;
                }

                // A live server of another Resident version: its table is in another format, and deleting it would
                // silently split the two servers' rows.
                throw new InvalidOperationException(
                    $"Table '{schema.Name}' at {path} belongs to the running process {holder}, which runs another version of Resident " +
                    $"(another table format). Stop that server, or give this one another {ResidentOptions.SectionName}:{ResidentTableOptions.SectionName}:{nameof(ResidentTableOptions.InstanceName)}.");
            }

            if (TryAttach(file, path, schema, bytes, layout) is { } attached)
            {
                return (file, Watched(attached, schema.Name));
            }

            file.Unmap(); // Closed by its last process, or stale and removed: create it anew.
        }

        throw new InvalidOperationException($"Table '{schema.Name}': the shared memory at {path} kept changing while it was opened.");
    }

    // Joins the table's registry; null when the table was closed by its last process or held by dead ones only (then
    // removed here). Throws when a live table has another layout.
    private unsafe SharedTable? TryAttach(SharedMemoryFile file, string path, TableSchema schema, long bytes, long layout)
    {
        if (file.Length < SharedTable.HeaderBytes)
        {
            return null;
        }

        int holder;
        var full = false;
        using (var registry = TableAttachments.Lock(file.Pointer, path))
        {
            if (registry.IsClosed)
            {
                return null;
            }

            holder = TableAttachments.Holder(file.Pointer);
            if (registry.SweepDead() == 0)
            {
                registry.Close();
                DeleteFile(path);
                TableLog.StaleTableReplaced(_logger, path, schema.Name, holder);
                return null;
            }

            holder = TableAttachments.Holder(file.Pointer);
            var table = file.Length >= bytes ? SharedTable.Attach(file.Pointer, schema.Size, schema.RowSize, layout) : null;
            if (table is not null && registry.Claim())
            {
                return table;
            }

            full = table is not null;
        }

        // The lock is released: the memory can go.
        file.Unmap();
        throw new InvalidOperationException(full
            ? $"Table '{schema.Name}' at {path} already has {TableAttachments.Slots} running processes attached, the most it keeps track of."
            : $"Table '{schema.Name}' at {path} belongs to the running process {holder} and has another layout " +
              $"(size or columns). Stop that server, or give this one another {ResidentOptions.SectionName}:{ResidentTableOptions.SectionName}:{nameof(ResidentTableOptions.InstanceName)}.");
    }

    /// <summary>
    /// Removes the table files of any Resident server that no running process holds any more (all of them killed or
    /// crashed, so none removed them), whatever its instance name: shared memory is not released until someone deletes
    /// the file.
    /// </summary>
    private unsafe void SweepStale(string directory)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, "resident.*");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var path in candidates)
        {
            SharedMemoryFile? file = null;
            try
            {
                file = SharedMemoryFile.TryOpen(path);
                if (file is null || file.Length < SharedTable.FixedHeaderBytes || !SharedTable.IsTableOfAnyVersion(file.Pointer) || LiveHolderOfAnyVersion(file) != 0)
                {
                    continue;
                }

                var holder = TableAttachments.Holder(file.Pointer);
                if (SharedTable.IsInitialized(file.Pointer))
                {
                    // Checked again under the registry's lock: a process may be attaching right now.
                    using var registry = TableAttachments.Lock(file.Pointer, path);
                    if (registry.IsClosed || registry.SweepDead() != 0)
                    {
                        continue;
                    }

                    registry.Close();
                    DeleteFile(path);
                }
                else
                {
                    file.Unmap();
                    DeleteFile(path);
                }

                TableLog.StaleTableReplaced(_logger, path, System.IO.Path.GetFileName(path), holder);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or TimeoutException)
            {
                // Another user's file, one that went away meanwhile, or one a live process is busy with: not ours to clean.
            }
            finally
            {
                file?.Unmap();
            }
        }
    }

    // A live process holding a table of any format version, 0 when none does.
    private static unsafe int LiveHolderOfAnyVersion(SharedMemoryFile file)
    {
        var version = SharedTable.FormatVersion(file.Pointer);
        return version >= TableAttachments.FirstVersion && file.Length < SharedTable.HeaderBytes
            ? 0
            : TableAttachments.LiveHolder(file.Pointer, version);
    }

    private static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder went away: so did the file.
        }
    }

    private SharedTable Watched(SharedTable table, string name)
    {
        table.Recovered = deadProcess => TableLog.LockRecovered(_logger, name, deadProcess);
        return table;
    }

    private string DefaultInstanceName()
    {
        var options = _options.Value;
        var application = _environment?.ApplicationName is { Length: > 0 } app ? app : "app";
        var name = options.ListenPort != 0
            ? $"{application}-{options.ListenPort}"
            : $"{application}-{Environment.ProcessId}-{Interlocked.Increment(ref s_anonymousInstances)}";
        return ResidentTableOptions.Sanitize(name);
    }

    private static long LayoutHash(TableSchema schema)
    {
        // FNV-1a over the layout text: equal layouts in every process, whatever the struct is called.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes("v1|" + schema.Name + "|" + schema.Layout))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return (long)hash;
    }
}
