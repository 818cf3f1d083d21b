using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>LaravelS's nginx recipe against the Showcase: a real nginx, a Unix-socket upstream, the forwarded headers.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxTests
{
    private const string Nginx = "/usr/sbin/nginx";

    [Fact]
    public async Task Behind_nginx_on_a_unix_socket_the_app_sees_the_real_client_and_websockets_pass_through()
    {
        Assert.True(File.Exists(Nginx), "This test runs a real nginx: install it with `apt-get install -y nginx` (.ci/run does).");

        // The socket sits in /tmp itself so nginx's unprivileged workers can reach it; Resident makes it connectable.
        var socket = Path.Combine(Path.GetTempPath(), $"resident-nginx-{Guid.NewGuid():N}.sock");
        var work = Directory.CreateTempSubdirectory("resident-nginx-");
        File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101);
        try
        {
            await using var showcase = await ShowcaseProcess.StartAsync($"--Resident:Socket={socket}");
            var port = FreeLoopbackPort();
            var configuration = Path.Combine(work.FullName, "nginx.conf");
            await File.WriteAllTextAsync(configuration, Configuration(work.FullName, port, $"unix:{socket}", webSockets: true));

            using var nginx = StartNginx(work.FullName, configuration);
            try
            {
                await WaitForPortAsync(port, nginx, work.FullName);

                // A raw HTTP/1.0 client (no chunked body to decode), so the test knows the port nginx sees it on.
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /client HTTP/1.0\r\nHost: resident.test\r\n\r\n"));
                using var reader = new StreamReader(stream, Encoding.ASCII);
                var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

                Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
                Assert.Contains("Server: nginx", response, StringComparison.Ordinal);
                Assert.Contains("X-Response-Time-Ms:", response, StringComparison.Ordinal);
                using var body = JsonDocument.Parse(response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
                Assert.Equal("127.0.0.1", body.RootElement.GetProperty("remoteIp").GetString());
                Assert.Equal(clientPort, body.RootElement.GetProperty("remotePort").GetInt32());
                Assert.Equal("http", body.RootElement.GetProperty("scheme").GetString());

                // The README's `location /ws` block carries the WebSocket upgrade through to the chat.
                using var chat = new System.Net.WebSockets.ClientWebSocket();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await chat.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?name=proxied"), timeout.Token);
                await chat.SendAsync(Encoding.UTF8.GetBytes("through nginx"), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
                var received = new StringBuilder();
                var buffer = new byte[4096];
                while (!received.ToString().Contains("\"text\":\"through nginx\"", StringComparison.Ordinal))
                {
                    var result = await chat.ReceiveAsync(buffer, timeout.Token);
                    Assert.NotEqual(System.Net.WebSockets.WebSocketMessageType.Close, result.MessageType);
                    received.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                }

                Assert.Contains("\"name\":\"proxied\"", received.ToString(), StringComparison.Ordinal);
                await chat.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            finally
            {
                nginx.Kill(entireProcessTree: true);
                await nginx.WaitForExitAsync();
            }

            // A graceful stop removes the socket file.
            Assert.Equal(0, await showcase.TerminateAsync());
            Assert.False(File.Exists(socket));
        }
        finally
        {
            work.Delete(recursive: true);
            File.Delete(socket);
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task Reloads_behind_nginx_fail_no_request(string upstream)
    {
        Assert.True(File.Exists(Nginx), "This test runs a real nginx: install it with `apt-get install -y nginx` (.ci/run does).");
        var socket = Path.Combine(Path.GetTempPath(), $"resident-nginx-{Guid.NewGuid():N}.sock");
        var work = Directory.CreateTempSubdirectory("resident-nginx-");
        try
        {
            await using var server = await SupervisedServer.StartAsync($"--Resident:Socket={socket}");
            var target = upstream == "unix" ? $"unix:{socket}" : server.BaseAddress.Authority;
            var port = FreeLoopbackPort();
            var configuration = Path.Combine(work.FullName, "nginx.conf");
            await File.WriteAllTextAsync(configuration, Configuration(work.FullName, port, target, webSockets: false));
            using var nginx = StartNginx(work.FullName, configuration);
            try
            {
                await WaitForPortAsync(port, nginx, work.FullName);
                var (failures, served) = await KeepAliveLoad.RunAsync(new Uri($"http://127.0.0.1:{port}"), async () =>
                {
                    for (var reload = 0; reload < 3; reload++)
                    {
                        var (exitCode, output) = await server.RunAsync("reload");
                        Assert.True(exitCode == 0, output);
                    }
                });

                Assert.True(failures.Count == 0, $"{failures.Count} of {served + failures.Count} requests through nginx failed: " +
                    string.Join("; ", failures.Take(5)) + "\nnginx: " + File.ReadAllText(Path.Combine(work.FullName, "error.log")));
                Assert.True(served > 100, $"only {served} requests were served");
            }
            finally
            {
                nginx.Kill(entireProcessTree: true);
                await nginx.WaitForExitAsync();
            }
        }
        finally
        {
            work.Delete(recursive: true);
            File.Delete(socket);
        }
    }

    /// <summary>
    /// The README's site (a <c>location /ws</c> for the WebSocket upgrade when asked) in front of
    /// <paramref name="upstream"/> (<c>unix:/path</c> or <c>host:port</c>), everything nginx writes under <paramref name="prefix"/>.
    /// </summary>
    private static string Configuration(string prefix, int port, string upstream, bool webSockets)
    {
        var webSocketLocation = webSockets ? """
                    location /ws {
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Real-PORT $remote_port;
                        proxy_set_header Scheme $scheme;
                        proxy_set_header Host $http_host;
                        proxy_read_timeout 600s;
                        proxy_pass http://resident;
                    }
            """ : "";
        return $$"""
            daemon off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                upstream resident {
                    server {{upstream}};
                    keepalive 16;
                }
                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      '';
                }
                server {
                    listen 127.0.0.1:{{port}};
            {{webSocketLocation}}
                    location / {
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Real-PORT $remote_port;
                        proxy_set_header Scheme $scheme;
                        proxy_set_header Host $http_host;
                        proxy_pass http://resident;
                    }
                }
            }
            """;
    }

    private static Process StartNginx(string prefix, string configuration)
    {
        var start = new ProcessStartInfo(Nginx) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", configuration })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process nginx, string prefix)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (nginx.HasExited)
            {
                var log = File.Exists(Path.Combine(prefix, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(prefix, "error.log")) : "";
                Assert.Fail($"nginx exited with {nginx.ExitCode}: {await nginx.StandardError.ReadToEndAsync()} {log}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        Assert.Fail($"nginx did not listen on 127.0.0.1:{port} within 30 s.");
    }
}
