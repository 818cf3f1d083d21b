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
/// <remarks>
/// Before the set, two bit tests that most API paths fail: the path's length and its last character must be those of
/// some path in the set (the static-file middlewares also serve only GET and HEAD). A miss costs a few instructions.
/// </remarks>
internal sealed class StaticFileIndex : IDisposable
{
    // DefaultFilesOptions.DefaultFileNames, which UseDefaultFiles() uses.
    private static readonly string[] DefaultDocuments = ["default.htm", "default.html", "index.htm", "index.html"];

    private readonly IFileProvider _files;
    private readonly StringComparer _comparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase
        : StringComparer.Ordinal;

    private readonly IDisposable _watch;
    private Paths _paths;

    public StaticFileIndex(IFileProvider files)
    {
        _files = files;
        _paths = Build();
        _watch = ChangeToken.OnChange(() => _files.Watch("**/*"), () => Volatile.Write(ref _paths, Build()));
    }

    /// <summary>Whether the static-file middlewares may answer <paramref name="request"/>: a GET or HEAD of a path the web root has.</summary>
    public bool MayServe(HttpRequest request) => MayServe(request.Method, request.Path);

    /// <summary>Whether the static-file middlewares may answer a request of <paramref name="method"/> for <paramref name="path"/>.</summary>
    public bool MayServe(string method, PathString path) =>
        (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) && MayServe(path);

    /// <summary>Whether <paramref name="path"/> is a file of the web root or a folder with a default document.</summary>
    public bool MayServe(PathString path) => path.Value is { Length: > 0 } value && Volatile.Read(ref _paths).Contains(value);

    public void Dispose() => _watch.Dispose();

    private Paths Build()
    {
        var paths = new HashSet<string>(_comparer);
        Walk("", paths);
        return new Paths(paths);
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

    /// <summary>One immutable snapshot of the web root's paths, with the bit filters in front of the set.</summary>
    private sealed class Paths
    {
        private const int LengthBits = 64;
        private readonly HashSet<string> _set;
        private readonly ulong _lengths;
        private readonly ulong _lastCharsLow;
        private readonly ulong _lastCharsHigh;

        public Paths(HashSet<string> set)
        {
            _set = set;
            foreach (var path in set)
            {
                _lengths |= 1UL << (path.Length % LengthBits);
                var last = path[^1];

                // The set may ignore case (Windows, macOS): both cases of a letter pass.
                foreach (var c in new[] { last, char.ToLowerInvariant(last), char.ToUpperInvariant(last) })
                {
                    if (c < 64)
                    {
                        _lastCharsLow |= 1UL << c;
                    }
                    else if (c < 128)
                    {
                        _lastCharsHigh |= 1UL << (c - 64);
                    }
                }
            }
        }

        public bool Contains(string path)
        {
            if ((_lengths & (1UL << (path.Length % LengthBits))) == 0)
            {
                return false;
            }

            var last = path[^1];
            var mayEndThere = last < 64 ? (_lastCharsLow & (1UL << last)) != 0
                : last < 128 ? (_lastCharsHigh & (1UL << (last - 64))) != 0
                : true; // Not filtered: under a case-insensitive comparer a non-ASCII letter can match an ASCII one.
            return mayEndThere && _set.Contains(path);
        }
    }
}
