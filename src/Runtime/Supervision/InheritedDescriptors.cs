using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Resident.Supervision;

/// <summary>
/// The few libc calls the supervised mode needs around process creation, as NativeAOT-safe <c>LibraryImport</c>s:
/// handing a descriptor to a child (.NET opens every descriptor close-on-exec, so a child inherits only those whose
/// flag was cleared), starting a new session for a daemon, pointing stdout/stderr at a log file, and asking for the
/// parent's pid. Linux only (the supervised mode is). A failed call throws <see cref="Win32Exception"/> whose
/// <see cref="Win32Exception.NativeErrorCode"/> is the errno and whose message names the call, the descriptor and the
/// error.
/// </summary>
internal static partial class InheritedDescriptors
{
    private const int GetDescriptorFlags = 1; // F_GETFD
    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExecFlag = 1; // FD_CLOEXEC
    private const int Interrupted = 4; // EINTR
    private const int BadDescriptor = 9; // EBADF

    /// <summary>
    /// Held by every process start in a process that hands descriptors down: while a descriptor's close-on-exec flag is
    /// clear, ANY child started (a build in watch mode, a custom process) would inherit it and could keep a listening
    /// port open after the master is gone. <see cref="StartInheriting"/> and <see cref="SourceWatcher"/> take it.
    /// </summary>
    public static readonly Lock ProcessStartLock = new();

    /// <summary>
    /// Starts <paramref name="startInfo"/> with <paramref name="inherited"/> handed down under their own descriptor
    /// numbers and no other descriptor opened by .NET: clears close-on-exec on each, starts the child, and sets it
    /// again before returning, all under <see cref="ProcessStartLock"/>. Returns the started process; the descriptor
    /// numbers are <c>(int)handle.DangerousGetHandle()</c>, to pass to the child (e.g. in its environment).
    /// </summary>
    public static System.Diagnostics.Process StartInheriting(System.Diagnostics.ProcessStartInfo startInfo, IReadOnlyList<SafeHandle> inherited)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ArgumentNullException.ThrowIfNull(inherited);
        lock (ProcessStartLock)
        {
            var cleared = new List<SafeHandle>(inherited.Count);
            try
            {
                foreach (var handle in inherited)
                {
                    ClearCloseOnExec(handle);
                    cleared.Add(handle);
                }

                return System.Diagnostics.Process.Start(startInfo)
                    ?? throw new InvalidOperationException($"{startInfo.FileName} did not start a process.");
            }
            finally
            {
                foreach (var handle in cleared)
                {
                    if (!handle.IsClosed)
                    {
                        SetCloseOnExec(handle);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Lets a child started after this call inherit <paramref name="handle"/>'s descriptor (same number in the child).
    /// Every child started while the flag is clear inherits it, so set it again (<see cref="SetCloseOnExec(int)"/>) once
    /// the children that need it have started. Returns the descriptor number, to pass to the child.
    /// </summary>
    public static int ClearCloseOnExec(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var descriptor = DescriptorOf(handle);
            ClearCloseOnExec(descriptor);
            return descriptor;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Lets children started after this call inherit <paramref name="descriptor"/>.</summary>
    public static void ClearCloseOnExec(int descriptor) => ChangeCloseOnExec(descriptor, closeOnExec: false);

    /// <summary>Keeps <paramref name="descriptor"/> out of children started after this call (the .NET default).</summary>
    public static void SetCloseOnExec(int descriptor) => ChangeCloseOnExec(descriptor, closeOnExec: true);

    /// <summary>Sets close-on-exec on <paramref name="handle"/>'s descriptor again; returns the descriptor number.</summary>
    public static int SetCloseOnExec(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var descriptor = DescriptorOf(handle);
            SetCloseOnExec(descriptor);
            return descriptor;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Whether <paramref name="descriptor"/> is closed in a child on exec (not inherited).</summary>
    public static bool IsCloseOnExec(int descriptor) => (ReadDescriptorFlags(descriptor) & CloseOnExecFlag) != 0;

    /// <summary>
    /// <c>setsid()</c>: makes this process the leader of a new session and process group, detached from the terminal
    /// (what a daemon does after its re-exec). Returns the new session id (this pid). Fails with EPERM in a process that
    /// already leads a process group, e.g. one started from an interactive shell; start the daemon as a child first.
    /// </summary>
    public static int CreateSession()
    {
        var session = NativeMethods.setsid();
        if (session < 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "setsid()");
        }

        return session;
    }

    /// <summary>
    /// <c>dup2(source, target)</c>: makes <paramref name="target"/> refer to what <paramref name="source"/> refers to
    /// (closing what <paramref name="target"/> referred to), e.g. <c>Duplicate(logFile, 1)</c> and
    /// <c>Duplicate(logFile, 2)</c> send a daemon's stdout and stderr to its log file. The new descriptor is inherited by
    /// children (dup2 does not copy close-on-exec), as stdout and stderr should be.
    /// </summary>
    public static void Duplicate(int source, int target)
    {
        while (NativeMethods.dup2(source, target) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
            {
                throw Failure(error, $"dup2({source}, {target})");
            }
        }
    }

    /// <summary><c>dup2</c> with <paramref name="source"/>'s descriptor; see <see cref="Duplicate(int, int)"/>.</summary>
    public static void Duplicate(SafeHandle source, int target)
    {
        ArgumentNullException.ThrowIfNull(source);
        var added = false;
        try
        {
            source.DangerousAddRef(ref added);
            Duplicate(DescriptorOf(source), target);
        }
        finally
        {
            if (added)
            {
                source.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// <c>getppid()</c>: this process's parent now. A worker that sees it change from the master's pid knows the master
    /// died (it was re-parented to init or a subreaper). Never fails.
    /// </summary>
    public static int ParentProcessId() => NativeMethods.getppid();

    private static void ChangeCloseOnExec(int descriptor, bool closeOnExec)
    {
        var flags = ReadDescriptorFlags(descriptor);
        var changed = closeOnExec ? flags | CloseOnExecFlag : flags & ~CloseOnExecFlag;
        if (changed == flags)
        {
            return;
        }

        while (NativeMethods.fcntl(descriptor, SetDescriptorFlags, changed) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
            {
                throw Failure(error, $"fcntl({descriptor}, F_SETFD, {(closeOnExec ? "FD_CLOEXEC" : "0")})");
            }
        }
    }

    private static int ReadDescriptorFlags(int descriptor)
    {
        int flags;
        while ((flags = NativeMethods.fcntl(descriptor, GetDescriptorFlags)) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
            {
                throw Failure(error, $"fcntl({descriptor}, F_GETFD)");
            }
        }

        return flags;
    }

    private static int DescriptorOf(SafeHandle handle)
    {
        if (handle.IsInvalid || handle.IsClosed)
        {
            throw Failure(BadDescriptor, "reading the descriptor of a closed handle");
        }

        return checked((int)handle.DangerousGetHandle());
    }

    private static Win32Exception Failure(int errno, string call) =>
        new(errno, $"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");

    private static partial class NativeMethods
    {
        // fcntl is variadic in C; on the Linux ABIs .NET runs on (x64, arm64, arm) an int passed as a variadic
        // argument travels exactly like a fixed one, so two fixed-arity entry points to the same symbol are sound.
        [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int fcntl(int descriptor, int command);

        [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int fcntl(int descriptor, int command, int argument);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int setsid();

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int dup2(int source, int target);

        [LibraryImport("libc")]
        internal static partial int getppid();
    }
}
