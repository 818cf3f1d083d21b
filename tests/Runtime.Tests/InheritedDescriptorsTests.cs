using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Resident.Supervision;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// The libc helpers of the supervised mode against real descriptors and real child processes: a child inherits a
/// listening socket exactly when close-on-exec is clear (seen in the child's /proc/&lt;pid&gt;/fd), dup2 redirects a
/// descriptor, getppid names the parent, and failures carry their errno.
/// </summary>
public sealed class InheritedDescriptorsTests
{
    [Fact]
    public async Task A_child_inherits_a_listening_socket_only_while_close_on_exec_is_clear()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var descriptor = (int)listener.SafeHandle.DangerousGetHandle();
        var socketLink = new FileInfo($"/proc/self/fd/{descriptor}").LinkTarget;
        Assert.StartsWith("socket:[", socketLink, StringComparison.Ordinal);

        // .NET's default: the child does not get it.
        Assert.True(InheritedDescriptors.IsCloseOnExec(descriptor));
        Assert.Equal("missing", await WhatTheChildHasAsync(descriptor));

        Assert.Equal(descriptor, InheritedDescriptors.ClearCloseOnExec(listener.SafeHandle));
        Assert.False(InheritedDescriptors.IsCloseOnExec(descriptor));
        string inherited;
        try
        {
            inherited = await WhatTheChildHasAsync(descriptor);
        }
        finally
        {
            InheritedDescriptors.SetCloseOnExec(descriptor);
        }

        // The same socket under the same number in the child.
        Assert.Equal(socketLink, inherited);
        Assert.True(InheritedDescriptors.IsCloseOnExec(descriptor));
        Assert.Equal("missing", await WhatTheChildHasAsync(descriptor));

        // The int overloads and the SafeHandle one agree.
        InheritedDescriptors.ClearCloseOnExec(descriptor);
        Assert.False(InheritedDescriptors.IsCloseOnExec(descriptor));
        Assert.Equal(descriptor, InheritedDescriptors.SetCloseOnExec(listener.SafeHandle));
        Assert.True(InheritedDescriptors.IsCloseOnExec(descriptor));
    }

    [Fact]
    public async Task StartInheriting_hands_the_sockets_to_that_child_only_and_closes_them_on_exec_again()
    {
        using var first = Listen();
        using var second = Listen();
        var descriptors = new[] { first, second }.Select(socket => (int)socket.SafeHandle.DangerousGetHandle()).ToArray();
        var links = descriptors.Select(descriptor => new FileInfo($"/proc/self/fd/{descriptor}").LinkTarget).ToArray();

        var start = ChildShell(string.Join(" ; ", descriptors.Select(descriptor => $"readlink /proc/$$/fd/{descriptor} || echo missing")));
        using var child = InheritedDescriptors.StartInheriting(start, [first.SafeHandle, second.SafeHandle]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await child.StandardOutput.ReadToEndAsync(timeout.Token);
        await child.WaitForExitAsync(timeout.Token);

        Assert.Equal(links, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(descriptors, descriptor => Assert.True(InheritedDescriptors.IsCloseOnExec(descriptor)));
        Assert.Equal("missing", await WhatTheChildHasAsync(descriptors[0]));
    }

    [Fact]
    public void Duplicate_points_a_descriptor_at_another_file()
    {
        var directory = Directory.CreateTempSubdirectory("resident-dup2-").FullName;
        try
        {
            var logPath = Path.Combine(directory, "daemon.log");
            var otherPath = Path.Combine(directory, "other.txt");
            using (var log = File.OpenHandle(logPath, FileMode.Create, FileAccess.ReadWrite))
            using (var other = File.OpenHandle(otherPath, FileMode.Create, FileAccess.ReadWrite))
            {
                var otherDescriptor = (int)other.DangerousGetHandle();
                InheritedDescriptors.Duplicate(log, otherDescriptor);

                // Writes through the other handle now land in the log file; dup2 leaves the copy inheritable.
                RandomAccess.Write(other, Encoding.ASCII.GetBytes("written through the duplicate"), 0);
                Assert.False(InheritedDescriptors.IsCloseOnExec(otherDescriptor));
            }

            Assert.Equal("written through the duplicate", File.ReadAllText(logPath));
            Assert.Equal("", File.ReadAllText(otherPath));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_parent_process_id_is_the_one_proc_names()
    {
        // Field 4 of /proc/self/stat, counted after the ')' that ends the command name.
        var stat = File.ReadAllText("/proc/self/stat");
        var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);

        Assert.Equal(parent, InheritedDescriptors.ParentProcessId());
        Assert.NotEqual(Environment.ProcessId, parent);
    }

    [Fact]
    public void Failures_carry_their_errno_and_name_the_call()
    {
        const int BadDescriptor = 9; // EBADF
        var unused = UnusedDescriptor();

        var set = Assert.Throws<Win32Exception>(() => InheritedDescriptors.SetCloseOnExec(unused));
        var clear = Assert.Throws<Win32Exception>(() => InheritedDescriptors.ClearCloseOnExec(unused));
        var duplicate = Assert.Throws<Win32Exception>(() => InheritedDescriptors.Duplicate(unused, unused + 1));

        Assert.All([set, clear, duplicate], exception => Assert.Equal(BadDescriptor, exception.NativeErrorCode));
        Assert.Contains($"fcntl({unused}, F_GETFD) failed", set.Message, StringComparison.Ordinal);
        Assert.Contains("errno 9", set.Message, StringComparison.Ordinal);
        Assert.Contains($"dup2({unused}, {unused + 1}) failed", duplicate.Message, StringComparison.Ordinal);
    }

    private static int UnusedDescriptor()
    {
        var open = Directory.GetFiles("/proc/self/fd").Select(path => int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture)).ToHashSet();
        var candidate = 60_000;
        while (open.Contains(candidate))
        {
            candidate++;
        }

        return candidate;
    }

    private static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        return listener;
    }

    private static ProcessStartInfo ChildShell(string script)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return start;
    }

    /// <summary>What the descriptor number is in a child shell: the target of its /proc link, or "missing".</summary>
    private static async Task<string> WhatTheChildHasAsync(int descriptor)
    {
        // $$ is the shell itself, the direct child; readlink fails when it has no such descriptor.
        using var child = Process.Start(ChildShell($"readlink /proc/$$/fd/{descriptor} || echo missing"))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await child.StandardOutput.ReadToEndAsync(timeout.Token);
        await child.WaitForExitAsync(timeout.Token);
        return output.Trim();
    }
}
