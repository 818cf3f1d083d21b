using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Resident.Hosting;

/// <summary>
/// Reads the <c>Resident</c> section by hand rather than with the reflection binder: it is NativeAOT-clean and
/// every error can name its key and the allowed values.
/// </summary>
internal sealed class ResidentOptionsSetup(IConfiguration configuration) : IConfigureOptions<ResidentOptions>
{
    public void Configure(ResidentOptions options) =>
        Bind(configuration.GetSection(ResidentOptions.SectionName), options);

    internal static void Bind(IConfigurationSection section, ResidentOptions options)
    {
        var errors = options.BindingErrors;
        ReadString(section, nameof(ResidentOptions.ListenIp), value => options.ListenIp = value);
        ReadInt(section, nameof(ResidentOptions.ListenPort), errors, value => options.ListenPort = value);
        ReadString(section, nameof(ResidentOptions.Socket), value => options.Socket = value);
        ReadInt(section, nameof(ResidentOptions.WorkerNum), errors, value => options.WorkerNum = value);
        ReadInt(section, nameof(ResidentOptions.TaskWorkerNum), errors, value => options.TaskWorkerNum = value);
        ReadInt(section, nameof(ResidentOptions.TaskQueueCapacity), errors, value => options.TaskQueueCapacity = value);
        ReadEnum<TaskQueueFullMode>(section, nameof(ResidentOptions.TaskQueueFullMode), errors, value => options.TaskQueueFullMode = value);
        ReadInt(section, nameof(ResidentOptions.TaskQueueFullTimeout), errors, value => options.TaskQueueFullTimeout = value);
        ReadInt(section, nameof(ResidentOptions.MaxRequest), errors, value => options.MaxRequest = value);
        ReadInt(section, nameof(ResidentOptions.MaxWaitTime), errors, value => options.MaxWaitTime = value);
        ReadString(section, nameof(ResidentOptions.Server), value => options.Server = value);
        ReadBool(section, nameof(ResidentOptions.HandleStatic), errors, value => options.HandleStatic = value);
        ReadBool(section, nameof(ResidentOptions.ForwardedHeaders), errors, value => options.ForwardedHeaders = value);
        ReadList(section, nameof(ResidentOptions.TrustedProxies), value => options.TrustedProxies = value);
        ReadInt(section, nameof(ResidentOptions.NodeId), errors, value => options.NodeId = value);
        ReadInt(section, nameof(ResidentOptions.HeartbeatIdleTime), errors, value => options.HeartbeatIdleTime = value);
        ReadInt(section, nameof(ResidentOptions.HeartbeatCheckInterval), errors, value => options.HeartbeatCheckInterval = value);

        var webSocket = section.GetSection(ResidentWebSocketOptions.SectionName);
        var ws = options.WebSocket;
        ReadInt(webSocket, nameof(ws.MaxMessageSize), errors, value => ws.MaxMessageSize = value, WebSocketKey);
        ReadInt(webSocket, nameof(ws.MaxConnections), errors, value => ws.MaxConnections = value, WebSocketKey);
        ReadInt(webSocket, nameof(ws.SendQueueSize), errors, value => ws.SendQueueSize = value, WebSocketKey);
        ReadList(webSocket, nameof(ws.AllowedOrigins), value => ws.AllowedOrigins = value);
        ReadInt(webSocket, nameof(ws.KeepAliveInterval), errors, value => ws.KeepAliveInterval = value, WebSocketKey);
        ReadInt(webSocket, nameof(ws.KeepAliveTimeout), errors, value => ws.KeepAliveTimeout = value, WebSocketKey);
        ReadInt(webSocket, nameof(ws.CloseTimeout), errors, value => ws.CloseTimeout = value, WebSocketKey);

        var tables = section.GetSection(ResidentTableOptions.SectionName);
        ReadString(tables, nameof(ResidentTableOptions.InstanceName), value => options.Tables.InstanceName = value);
        ReadString(tables, nameof(ResidentTableOptions.Directory), value => options.Tables.Directory = value);

        foreach (var job in section.GetSection(nameof(ResidentOptions.CronJobs)).GetChildren())
        {
            var jobOptions = options.CronJobs.TryGetValue(job.Key, out var existing) ? existing : options.CronJobs[job.Key] = new CronJobOptions();
            string Key(string key) => $"{nameof(ResidentOptions.CronJobs)}:{job.Key}:{key}";
            ReadBool(job, nameof(CronJobOptions.Enabled), errors, value => jobOptions.Enabled = value, Key);
            ReadInt(job, nameof(CronJobOptions.Interval), errors, value => jobOptions.Interval = value, Key);
            ReadString(job, nameof(CronJobOptions.Expression), value => jobOptions.Expression = value);
            ReadString(job, nameof(CronJobOptions.TimeZone), value => jobOptions.TimeZone = value);
        }

        BindSockets(section, options, errors);

        foreach (var process in section.GetSection(nameof(ResidentOptions.CustomProcesses)).GetChildren())
        {
            var processOptions = options.CustomProcesses.TryGetValue(process.Key, out var existing) ? existing : options.CustomProcesses[process.Key] = new CustomProcessOptions();
            string Key(string key) => $"{nameof(ResidentOptions.CustomProcesses)}:{process.Key}:{key}";
            ReadBool(process, nameof(CustomProcessOptions.Enabled), errors, value => processOptions.Enabled = value, Key);
            ReadInt(process, nameof(CustomProcessOptions.Num), errors, value => processOptions.Num = value, Key);
        }
    }

    private static void BindSockets(IConfigurationSection section, ResidentOptions options, List<string> errors)
    {
        foreach (var port in section.GetSection(nameof(ResidentOptions.Sockets)).GetChildren())
        {
            var socket = options.Sockets.TryGetValue(port.Key, out var existing) ? existing : options.Sockets[port.Key] = new SocketOptions();
            string Key(string key) => $"{nameof(ResidentOptions.Sockets)}:{port.Key}:{key}";
            ReadBool(port, nameof(SocketOptions.Enabled), errors, value => socket.Enabled = value, Key);
            ReadString(port, nameof(SocketOptions.Host), value => socket.Host = value);
            ReadInt(port, nameof(SocketOptions.Port), errors, value => socket.Port = value, Key);
            ReadEnum<PortType>(port, nameof(SocketOptions.Type), errors, value => socket.Type = value, Key);
            ReadEnum<SocketFraming>(port, nameof(SocketOptions.Framing), errors, value => socket.Framing = value, Key);
            ReadString(port, nameof(SocketOptions.PackageEof), value => socket.PackageEof = value);
            ReadInt(port, nameof(SocketOptions.LengthOffset), errors, value => socket.LengthOffset = value, Key);
            ReadInt(port, nameof(SocketOptions.LengthSize), errors, value => socket.LengthSize = value, Key);
            ReadBool(port, nameof(SocketOptions.LengthBigEndian), errors, value => socket.LengthBigEndian = value, Key);
            ReadInt(port, nameof(SocketOptions.BodyOffset), errors, value => socket.BodyOffset = value, Key);
            ReadInt(port, nameof(SocketOptions.FixedSize), errors, value => socket.FixedSize = value, Key);
            ReadInt(port, nameof(SocketOptions.PackageMaxLength), errors, value => socket.PackageMaxLength = value, Key);
        }
    }

    private static void ReadEnum<TEnum>(IConfigurationSection section, string key, List<string> errors, Action<TEnum> assign, Func<string, string>? qualify = null) where TEnum : struct, Enum
    {
        if (section[key] is not { } text)
        {
            return;
        }

        // Names only: a number would slip past Enum.TryParse as an undefined value.
        if (Enum.TryParse<TEnum>(text.Trim(), ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text.Trim().FirstOrDefault()))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{qualify?.Invoke(key) ?? key} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, but is '{text}'.");
        }
    }

    private static string WebSocketKey(string key) => $"{ResidentWebSocketOptions.SectionName}:{key}";

    private static void ReadList(IConfigurationSection section, string key, Action<IList<string>> assign)
    {
        var list = section.GetSection(key);
        if (list.Value is { } single)
        {
            // A single value (e.g. an environment variable) may list several entries separated by commas.
            assign([.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }
        else if (list.GetChildren().Any())
        {
            // Replace, never append to, the defaults: a configured list is the whole list.
            assign([.. list.GetChildren()
                .OrderBy(child => int.TryParse(child.Key, out var index) ? index : int.MaxValue)
                .Select(child => child.Value ?? "")]);
        }
    }

    private static void ReadString(IConfigurationSection section, string key, Action<string> assign)
    {
        if (section[key] is { } value)
        {
            assign(value);
        }
    }

    private static void ReadInt(IConfigurationSection section, string key, List<string> errors, Action<int> assign, Func<string, string>? qualify = null)
    {
        if (section[key] is not { } text)
        {
            return;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{qualify?.Invoke(key) ?? key} must be a whole number, but is '{text}'.");
        }
    }

    private static void ReadBool(IConfigurationSection section, string key, List<string> errors, Action<bool> assign, Func<string, string>? qualify = null)
    {
        if (section[key] is not { } text)
        {
            return;
        }

        if (bool.TryParse(text.Trim(), out var value))
        {
            assign(value);
        }
        else
        {
            errors.Add($"{ResidentOptions.SectionName}:{qualify?.Invoke(key) ?? key} must be true or false, but is '{text}'.");
        }
    }
}

/// <summary>Checks every setting at start, so a bad value fails the start with its key instead of failing later.</summary>
internal sealed class ResidentOptionsValidator : IValidateOptions<ResidentOptions>
{
    // sun_path holds 108 bytes including the terminating zero.
    private const int MaxUnixSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, ResidentOptions options)
    {
        var errors = new List<string>(options.BindingErrors);

        if (!IPAddress.TryParse(options.ListenIp, out _))
        {
            errors.Add(Message(nameof(ResidentOptions.ListenIp), "must be an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::1", options.ListenIp));
        }

        Range(errors, nameof(ResidentOptions.ListenPort), options.ListenPort, 0, 65535);
        Range(errors, nameof(ResidentOptions.WorkerNum), options.WorkerNum, 1, 256);
        Range(errors, nameof(ResidentOptions.TaskWorkerNum), options.TaskWorkerNum, 1, 1024);
        Range(errors, nameof(ResidentOptions.MaxRequest), options.MaxRequest, 0, int.MaxValue);
        Range(errors, nameof(ResidentOptions.MaxWaitTime), options.MaxWaitTime, ResidentOptions.MinMaxWaitTime, ResidentOptions.MaxMaxWaitTime);

        Range(errors, nameof(ResidentOptions.NodeId), options.NodeId, 0, Resident.WebSockets.ConnectionIds.MaxNodeId);
        Range(errors, nameof(ResidentOptions.HeartbeatIdleTime), options.HeartbeatIdleTime, 0, MaxSeconds);
        Range(errors, nameof(ResidentOptions.HeartbeatCheckInterval), options.HeartbeatCheckInterval, 0, MaxSeconds);
        ValidateWebSocket(errors, options.WebSocket);
        if (!ResidentTableOptions.IsValidInstanceName(options.Tables.InstanceName))
        {
            errors.Add(Message($"{ResidentTableOptions.SectionName}:{nameof(ResidentTableOptions.InstanceName)}",
                $"must be letters, digits, '.', '_' or '-', at most {ResidentTableOptions.MaxInstanceNameLength} characters", options.Tables.InstanceName));
        }

        Range(errors, nameof(ResidentOptions.TaskQueueCapacity), options.TaskQueueCapacity, 1, 10_000_000);
        Range(errors, nameof(ResidentOptions.TaskQueueFullTimeout), options.TaskQueueFullTimeout, 0, 3_600_000);
        if (!Enum.IsDefined(options.TaskQueueFullMode))
        {
            errors.Add(Message(nameof(ResidentOptions.TaskQueueFullMode), "must be Wait or Refuse", options.TaskQueueFullMode.ToString()));
        }

        foreach (var (job, jobOptions) in options.CronJobs)
        {
            if (jobOptions.Interval is { } interval && interval < 1)
            {
                errors.Add(Message($"{nameof(ResidentOptions.CronJobs)}:{job}:{nameof(CronJobOptions.Interval)}", "must be at least 1 (milliseconds)", interval.ToString(CultureInfo.InvariantCulture)));
            }
        }

        foreach (var (process, processOptions) in options.CustomProcesses)
        {
            if (processOptions.Num is { } num)
            {
                Range(errors, $"{nameof(ResidentOptions.CustomProcesses)}:{process}:{nameof(CustomProcessOptions.Num)}", num, 1, 64);
            }
        }

        if (!string.IsNullOrEmpty(options.Socket))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(options.Socket) > MaxUnixSocketPathBytes)
            {
                errors.Add(Message(nameof(ResidentOptions.Socket), $"must be a path of at most {MaxUnixSocketPathBytes} bytes (the Unix socket limit)", options.Socket));
            }
            else if (options.Socket.IndexOf('\0') >= 0)
            {
                errors.Add(Message(nameof(ResidentOptions.Socket), "must not contain a NUL character", options.Socket));
            }
        }

        if (options.Server.Any(c => c < 0x20 || c == 0x7f || c > 0x7e))
        {
            errors.Add(Message(nameof(ResidentOptions.Server), "must be printable ASCII without control characters (it is sent as a header value)", options.Server));
        }

        for (var i = 0; i < options.TrustedProxies.Count; i++)
        {
            if (!Resident.Http.TrustedProxies.TryParseEntry(options.TrustedProxies[i], out _))
            {
                errors.Add(Message($"{nameof(ResidentOptions.TrustedProxies)}:{i}", "must be an IP address (10.0.0.5) or a network in CIDR form (10.0.0.0/8)", options.TrustedProxies[i]));
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // A day: longer heartbeats, keep-alives or close waits are typos, and seconds this size still fit a TimeSpan.
    private const int MaxSeconds = 86400;

    private static void ValidateWebSocket(List<string> errors, ResidentWebSocketOptions options)
    {
        const string prefix = ResidentWebSocketOptions.SectionName + ":";
        Range(errors, prefix + nameof(options.MaxMessageSize), options.MaxMessageSize, 1, 1024 * 1024 * 1024);
        Range(errors, prefix + nameof(options.MaxConnections), options.MaxConnections, 0, int.MaxValue);
        Range(errors, prefix + nameof(options.SendQueueSize), options.SendQueueSize, 1, int.MaxValue);
        Range(errors, prefix + nameof(options.KeepAliveInterval), options.KeepAliveInterval, 0, MaxSeconds);
        Range(errors, prefix + nameof(options.KeepAliveTimeout), options.KeepAliveTimeout, 0, MaxSeconds);
        Range(errors, prefix + nameof(options.CloseTimeout), options.CloseTimeout, 1, 3600);
        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.GetLeftPart(UriPartial.Authority), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(Message($"{prefix}{nameof(options.AllowedOrigins)}:{i}", "must be an origin: scheme, host and optional port, such as https://example.com", origin));
            }
        }
    }

    private static void Range(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(Message(key, $"must be from {min} to {max}", value.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static string Message(string key, string rule, string? value) =>
        $"{ResidentOptions.SectionName}:{key} {rule}, but is '{value}'.";
}
