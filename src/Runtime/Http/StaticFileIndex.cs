using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Resident.Http;

/// <summary>
/// The request paths the web root can answer: every file, and every folder holding a default document (with and
/// without the trailing slash, which the default-files middleware redirects). The static-file middleware asks the
/// disk on each request; asking this set first keeps that cost off every request that is not for a file. A file
/// watcher rebuilds the set when the web root changes.
/// </summary>
internal sealed class StaticFileIndex : IDisposable
{
    // DefaultFilesOptions.DefaultFileNames, which UseDefaultFiles() uses.
    private static readonly string[] DefaultDocuments = ["default.htm", "default.html", "index.htm", "index.html"];

    private readonly IFileProvider _files;
    private readonly StringComparer _comparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase
        : StringComparer.Ordinal;

    private readonly IDisposable _watch;
    private HashSet<string> _paths;

    public StaticFileIndex(IFileProvider files)
    {
        _files = files;
        _paths = Build();
        _watch = ChangeToken.OnChange(() => _files.Watch("**/*"), () => Volatile.Write(ref _paths, Build()));
    }

    public bool MayServe(PathString path) => path.Value is { } value && Volatile.Read(ref _paths).Contains(value);

    public void Dispose() => _watch.Dispose();

    private HashSet<string> Build()
    {
        var paths = new HashSet<string>(_comparer);
        Walk("", paths);
        return paths;
    }

    private void Walk(string directory, HashSet<string> paths)
    {
        var hasDefaultDocument = false;
        foreach (var entry in _files.GetDirectoryContents(directory))
        {
            var path = directory + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                Walk(path, paths);
            }
            else
            {
                paths.Add(path);
                hasDefaultDocument |= DefaultDocuments.Contains(entry.Name, StringComparer.OrdinalIgnoreCase);
            }
        }

        if (hasDefaultDocument)
        {
            paths.Add(directory + "/");
            if (directory.Length > 0)
            {
                paths.Add(directory);
            }
        }
    }
}
