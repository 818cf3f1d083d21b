using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// A start that fails on the user's input (settings, a busy port) is one clear block, logged once without a stack
/// trace, and RunResidentAsync returns 1: no abort, no "Unhandled exception", no WorkerError hook.
/// </summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task A_bad_setting_is_one_block_naming_the_key_and_how_to_set_it_and_exit_code_1()
    {
        var error = await RunFailingAsync(new() { ["Resident:ListenPort"] = "99999" });

        Assert.Equal(
            "Resident.ResidentStartupException: Resident cannot start: Resident:ListenPort must be from 0 to 65535, but is '99999'." + Environment.NewLine
            + "Settings come from appsettings.json (the \"Resident\" section), the environment (Resident__ListenPort=…) and the command line (--Resident:ListenPort=…); see the README's configuration table.",
            error);
    }

    [Fact]
    public async Task Several_bad_settings_are_listed_together()
    {
        var error = await RunFailingAsync(new() { ["Resident:ListenPort"] = "-1", ["Resident:WorkerNum"] = "0" });

        Assert.StartsWith("Resident.ResidentStartupException: Resident cannot start; fix these 2 problems:", error, StringComparison.Ordinal);
        Assert.Contains("  - Resident:WorkerNum must be from 1 to 256, but is '0'.", error, StringComparison.Ordinal);
        Assert.Contains("  - Resident:ListenPort must be from 0 to 65535, but is '-1'.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_HTTP_port_says_so_and_how_to_pick_another()
    {
        using var taken = Listening(out var port);
        var error = await RunFailingAsync(new() { ["Resident:ListenPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Contains($"Resident could not listen on 127.0.0.1:{port}: the address is already in use by another process.", error, StringComparison.Ordinal);
        Assert.Contains("choose another port with Resident:ListenPort (0 lets the system pick a free one)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_extra_port_says_so_naming_its_key()
    {
        using var taken = Listening(out var port);
        var error = await RunFailingAsync(new()
        {
            ["Resident:Sockets:lines:Enabled"] = "true",
            ["Resident:Sockets:lines:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.Contains($"Resident:Sockets:lines could not listen on 127.0.0.1:{port} (Tcp): the address is already in use by another process.", error, StringComparison.Ordinal);
        Assert.Contains("choose another port with Resident:Sockets:lines:Port", error, StringComparison.Ordinal);
    }

    // Runs the app through RunResidentAsync and returns the one error the start logged (its exception as printed).
    private static async Task<string> RunFailingAsync(Dictionary<string, string?> settings)
    {
        var (app, recorder, logs) = TestServer.Build(settings);
        await using (app)
        {
            var exitCode = await app.RunResidentAsync([]).WaitAsync(TimeSpan.FromSeconds(60));
            Environment.ExitCode = 0;

            Assert.Equal(1, exitCode);
            var failure = Assert.Single(logs.Entries, entry => entry.Level >= LogLevel.Error);
            var printed = failure.Exception!.ToString();
            Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
            Assert.DoesNotContain(recorder.Events, e => e.StartsWith("lifecycle:WorkerError", StringComparison.Ordinal));
            return printed;
        }
    }

    private static Socket Listening(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }
}
