namespace Resident.Hosting;

/// <summary>
/// The event-id blocks of Resident's logs: each area logs through one static class in its folder and takes its ids
/// from its own block of <see cref="BlockSize"/>, so an id names one message for good and operators can filter by it.
/// Hosting 1000–1099 (<c>HostingLog</c>), Http 1100–1199 (<c>HttpLog</c>), WebSockets 1200–1299 (<c>WebSocketLog</c>),
/// Tasks 1300–1399 (<c>TaskLog</c>), Events 1400–1499 (reserved), Timers 1500–1599 (<c>CronLog</c>),
/// Processes 1600–1699 (<c>ProcessLog</c>), Sockets 1700–1799 (<c>SocketLog</c>), Tables 1800–1899 (<c>TableLog</c>),
/// Supervision 1900–1999 (<c>SupervisionLog</c>: systemd, watch mode), the supervised master 2000–2099 (<c>MasterLog</c>),
/// the Resident.Redis package 2100–2199 (<c>RedisLog</c> and its feature classes), metrics and health 2200–2299 (<c>MetricsLog</c>), performance settings 2300–2399 (<c>PerformanceLog</c>).
/// A test checks every id is unique, named and inside its class's block.
/// </summary>
internal static class LogEventIds
{
    public const int BlockSize = 100;
    public const int Hosting = 1000;
    public const int Http = 1100;
    public const int WebSockets = 1200;
    public const int Tasks = 1300;
    public const int Events = 1400;
    public const int Timers = 1500;
    public const int Processes = 1600;
    public const int Sockets = 1700;
    public const int Tables = 1800;
    public const int Supervision = 1900;
    public const int Master = 2000;
    public const int Redis = 2100;
    public const int Metrics = 2200;
    public const int Performance = 2300;
}
