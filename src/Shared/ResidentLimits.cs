// Compiled into the runtime (Resident), the generator (Resident.Generators) and the analyzers (Resident.Analyzers):
// every limit and default that more than one of them needs is written here once. Plain constants only, so the file
// builds for netstandard2.0 and net10.0 alike.
namespace Resident;

/// <summary>The limits and defaults of Resident's attributes and settings, shared by runtime, generator and analyzers.</summary>
internal static class ResidentLimits
{
    /// <summary><c>[BackgroundTask]</c>, <c>[EventListener]</c> and deliveries: tries and backoff.</summary>
    public static class Retry
    {
        public const int MinTries = 1;
        public const int MaxTries = 100;
        public const int DefaultTries = 1;

        /// <summary>The value of <c>TaskBackoff.Exponential</c>, the default backoff.</summary>
        public const int DefaultBackoff = 2;
        public const int DefaultBackoffMilliseconds = 100;
        public const int DefaultMaxBackoffMilliseconds = 60_000;
        public const int MinBackoffMilliseconds = 0;
    }

    /// <summary><c>[CronJob]</c>.</summary>
    public static class CronJob
    {
        /// <summary>The shortest interval, in milliseconds.</summary>
        public const int MinIntervalMilliseconds = 1;

        /// <summary>
        /// The shortest hold of a cluster-scoped firing's claim (<c>max(interval, this)</c>): longer than any clock skew
        /// between nodes and any start lag, so a late node still finds the claim; the key then expires by itself.
        /// </summary>
        public const int MinClusterLeaseMilliseconds = 60_000;
    }

    /// <summary><c>[CustomProcess]</c> and <c>Resident:CustomProcesses:{name}</c>.</summary>
    public static class CustomProcess
    {
        public const int MinNum = 1;
        public const int MaxNum = 64;
        public const int DefaultNum = 1;
        public const int MinRestartIntervalSeconds = 0;
        public const int MaxRestartIntervalSeconds = 3600;
        public const int DefaultRestartIntervalSeconds = 5;
    }

    /// <summary><c>[SocketHandler]</c> and <c>Resident:Sockets:{name}</c>.</summary>
    public static class Socket
    {
        public const int MinPort = 0;
        public const int MaxPort = 65535;

        /// <summary>The attribute's "no port given" value.</summary>
        public const int UnsetPort = -1;
        public const int MinPackageMaxLength = 1;
        public const int MaxPackageMaxLength = 1024 * 1024 * 1024;
        public const int DefaultPackageMaxLength = 2 * 1024 * 1024;
        public const int DefaultLengthSize = 4;

        /// <summary>The attribute's "right after the length field" body offset.</summary>
        public const int DefaultBodyOffset = -1;
    }

    /// <summary><c>[SwooleTable]</c> and <c>[Column]</c>.</summary>
    public static class Table
    {
        public const int MinSize = 1;
        public const int MaxSize = 16 * 1024 * 1024;
        public const int DefaultSize = 1024;
        public const int MinStringSize = 1;
        public const int MaxStringSize = 65535;
        public const int MaxNameLength = 64;
        public const int MaxInstanceNameLength = 100;
    }

    /// <summary>Server-wide settings of the <c>Resident</c> section.</summary>
    public static class Server
    {
        public const int MinListenPort = 0;
        public const int MaxListenPort = 65535;
        public const int DefaultListenPort = 5200;

        /// <summary>The accept queue of the listening sockets the supervised master creates (Kestrel's default).</summary>
        public const int ListenBacklog = 512;
        public const int MinWorkerNum = 1;
        public const int MaxWorkerNum = 256;
        public const int MinTaskWorkerNum = 1;
        public const int MaxTaskWorkerNum = 1024;
        public const int MinTaskQueueCapacity = 1;
        public const int MaxTaskQueueCapacity = 10_000_000;
        public const int DefaultTaskQueueCapacity = 100_000;
        public const int MinTaskQueueFullTimeoutMilliseconds = 0;
        public const int MaxTaskQueueFullTimeoutMilliseconds = 3_600_000;
        public const int DefaultTaskQueueFullTimeoutMilliseconds = 1000;
        public const int MinMaxWaitTimeSeconds = 1;
        public const int MaxMaxWaitTimeSeconds = 3600;
        public const int DefaultMaxWaitTimeSeconds = 60;
        public const int MaxNodeId = 32767;

        /// <summary>A day: longer heartbeats, keep-alives or close waits are typos.</summary>
        public const int MaxSeconds = 86400;

        /// <summary>The Unix socket path limit (<c>sun_path</c> less its terminating NUL).</summary>
        public const int MaxUnixSocketPathBytes = 107;
    }

    /// <summary>The <c>Resident:WebSocket</c> section.</summary>
    public static class WebSocket
    {
        public const int MinMaxMessageSize = 1;
        public const int MaxMaxMessageSize = 1024 * 1024 * 1024;
        public const int DefaultMaxMessageSize = 1024 * 1024;
        public const int DefaultSendQueueSize = 2 * 1024 * 1024;
        public const int DefaultKeepAliveIntervalSeconds = 120;
        public const int MinCloseTimeoutSeconds = 1;
        public const int MaxCloseTimeoutSeconds = 3600;
        public const int DefaultCloseTimeoutSeconds = 5;
    }

    /// <summary>Durable tasks (Resident.Redis, <c>Resident:Redis:Tasks</c>).</summary>
    public static class DurableTasks
    {
        public const int DefaultVisibilityTimeoutSeconds = 30;
        public const int MinVisibilityTimeoutSeconds = 1;
        public const int DefaultDeliverTimeoutMilliseconds = 1000;
        public const int MaxDeliverTimeoutMilliseconds = 60_000;
        public const int DefaultDeadLetterMaxLength = 10_000;

        /// <summary>Deliveries a node reads ahead per task worker (read, not yet settled).</summary>
        public const int PrefetchPerWorker = 16;

        /// <summary>A delivery reclaimed more often than this (its nodes kept dying under it) goes to the dead letters.</summary>
        public const int MaxReclaims = 10;

        /// <summary>The longest a consumer waits for a wake-up before it looks at the stream anyway (a missed notification).</summary>
        public const int PollMilliseconds = 1000;
    }

    public static class Metrics
    {
        public const int DefaultMaxSeriesPerInstrument = 2000;
        public const int MinMaxSeriesPerInstrument = 10;
        public const int MaxMaxSeriesPerInstrument = 100_000;

        /// <summary>How long a supervised scrape waits for each worker's figures before answering without them.</summary>
        public const int WorkerScrapeTimeoutMilliseconds = 3000;
    }

    /// <summary>The <c>Resident:Performance</c> section.</summary>
    public static class Performance
    {
        public const int MaxIOQueueCount = 1024;
        public const int MaxMinThreads = 32767;
    }
}
