using System.Net.Sockets;

namespace Resident.Http;

/// <summary>Readies a Unix socket path for listening: the main server's <c>Socket</c> and every Unix extra port share it.</summary>
internal static class UnixSocketFile
{
    /// <summary>
    /// Creates the socket's directory and removes a stale socket file left by a run that did not stop cleanly. Returns
    /// whether it removed one.
    /// </summary>
    /// <param name="path">The socket path.</param>
    /// <param name="key">The configuration key the path comes from, for errors.</param>
    /// <exception cref="InvalidOperationException">The file holds data, or another server listens on it.</exception>
    public static bool PrepareForListening(string path, string key)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (!File.Exists(path))
        {
            return false;
        }

        // A socket file is always empty; never delete what looks like somebody's data.
        if (new FileInfo(path).Length > 0)
        {
            throw new InvalidOperationException($"{key}: '{path}' exists and is not a socket.");
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new InvalidOperationException($"{key}: another server is already listening on '{path}'.");
            }
            catch (SocketException)
            {
                // Nobody answers: the file was left by a run that did not stop cleanly.
            }
        }

        File.Delete(path);
        return true;
    }
}
