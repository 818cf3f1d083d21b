namespace Corpus.Services;

public interface IClock
{
    DateTimeOffset Now { get; }
}

public sealed class SystemClock : IClock
{
    public DateTimeOffset Now => DateTimeOffset.UtcNow;
}

/// <summary>A bounded, thread-safe cache: evicts when full.</summary>
public sealed class PriceCache(IClock clock)
{
    private const int Capacity = 1000;
    private readonly ConcurrentDictionary<string, (decimal Price, DateTimeOffset At)> _prices = new();
    private long _hits;

    public decimal Get(string sku)
    {
        if (_prices.TryGetValue(sku, out var entry) && clock.Now - entry.At < TimeSpan.FromMinutes(5))
        {
            Interlocked.Increment(ref _hits);
            return entry.Price;
        }

        if (_prices.Count >= Capacity)
        {
            _prices.Clear();
        }

        var price = 9.99m + sku.Length;
        _prices[sku] = (price, clock.Now);
        return price;
    }

    public long Hits => Interlocked.Read(ref _hits);
}

/// <summary>Reads the current user through the accessor, the supported way for a singleton.</summary>
public sealed class CurrentUser(IHttpContextAccessor accessor)
{
    public string? Name => accessor.HttpContext?.User.Identity?.Name;
}

/// <summary>A singleton that remembers the last request's HttpContext.</summary>
public sealed class GreetingService
{
    private HttpContext? _lastContext; // LEAK: RES003
    private readonly string _greeting = "Hello";

    public string Greet(HttpContext context)
    {
        var previous = _lastContext?.Request.Path.Value;
        _lastContext = context; // LEAK: RES004 (a singleton's field, written by every request)
        return $"{_greeting}, {context.User.Identity?.Name ?? "guest"} (previous: {previous ?? "none"})";
    }
}

public interface IEmailSender
{
    Task SendAsync(string to, string body, CancellationToken token);
}

public sealed class LoggingEmailSender(ILogger<LoggingEmailSender> logger) : IEmailSender
{
    public Task SendAsync(string to, string body, CancellationToken token)
    {
        logger.LogInformation("Mail to {To}: {Body}", to, body);
        return Task.CompletedTask;
    }
}
