using System.IO.MemoryMappedFiles;

namespace Resident.Tables;

/// <summary>A file (under /dev/shm on Linux) mapped into this process. Disposing unmaps it; who deletes it is the registry's call (<see cref="TableAttachments"/>).</summary>
internal sealed unsafe class SharedMemoryFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly bool _owner;
    private byte* _pointer;

    private SharedMemoryFile(string path, MemoryMappedFile file, bool owner)
    {
        Path = path;
        _file = file;
        _owner = owner;
        try
        {
            _view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
            _pointer += _view.PointerOffset;
            Length = (long)_view.SafeMemoryMappedViewHandle.ByteLength - _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public long Length { get; }

    /// <summary>Whether this process created the file.</summary>
    public bool Created => _owner;

    public byte* Pointer => _pointer;

    /// <summary>Creates the file with <paramref name="length"/> zeroed bytes reserved up front; null if it exists already.</summary>
    /// <exception cref="IOException">The file system has no room for it.</exception>
    public static SharedMemoryFile? TryCreate(string path, long length)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            // fallocate: a full tmpfs fails here, not with SIGBUS on a later write.
            PreallocationSize = length,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException exception) when (AlreadyExists(exception) || File.Exists(path))
        {
            return null; // Even when it is gone again by now: the caller opens or creates it anew.
        }

        try
        {
            stream.SetLength(length);
            var file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            return new SharedMemoryFile(path, file, owner: true);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    // EEXIST on Unix (the errno is the HResult), ERROR_FILE_EXISTS on Windows.
    private static bool AlreadyExists(IOException exception) =>
        OperatingSystem.IsWindows() ? (exception.HResult & 0xFFFF) == 80 : exception.HResult == 17;

    /// <summary>Maps an existing file; null if it is gone.</summary>
    public static SharedMemoryFile? TryOpen(string path)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length == 0)
            {
                stream.Dispose();
                return null;
            }

            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            return new SharedMemoryFile(path, file, owner: false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Unmaps the file (which stays).</summary>
    public void Unmap()
    {
        if (_pointer != null)
        {
            _pointer = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }

    public void Dispose() => Unmap();
}
