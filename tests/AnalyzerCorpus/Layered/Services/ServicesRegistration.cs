using System.Collections.Concurrent;
using Layered.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Layered.Services;

/// <summary>The services library: business logic, registered with DI here, called by the web project.</summary>
public static class ServicesRegistration
{
    public static IServiceCollection AddServices(this IServiceCollection services)
    {
        services.AddScoped<TenantContext>();
        services.AddTransient<CurrentUser>();
        services.AddTransient<ReceiptPrinter>();
        services.AddSingleton<SubscriptionRegistry>();
        services.AddSingleton<PricingService>();
        services.AddSingleton<GreetingService>();
        services.AddSingleton<InvoiceService>();
        services.AddScoped<UploadService>();
        services.AddSingleton<IWebhookQueue>(provider => new WebhookQueue());
        services.AddSingleton<ISyncLog, SyncLog>();
        services.AddSingleton<ILockedSyncLog, LockedSyncLog>();
        return services;
    }
}

/// <summary>Scoped: the tenant of the current request.</summary>
public sealed class TenantContext
{
    public string Tenant { get; set; } = "";
}

/// <summary>Transient and stateless: reads the accessor per call.</summary>
public sealed class CurrentUser(IHttpContextAccessor accessor)
{
    public string Name => accessor.HttpContext?.User.Identity?.Name ?? "guest";
}

/// <summary>Transient holding a resource (disposable): not for a singleton to keep.</summary>
public sealed class ReceiptPrinter : IDisposable
{
    private readonly MemoryStream _buffer = new();

    public void Print(string line) => _buffer.Write(System.Text.Encoding.UTF8.GetBytes(line));

    public void Dispose() => _buffer.Dispose();
}

public interface ISyncLog
{
    void Changed(string entity);

    IReadOnlyList<DateTime> Since(DateTime from);
}

/// <summary>Oqtane's SyncManager shape: a singleton keeps its list in a private auto-property, trimmed and appended per request, unlocked.</summary>
public sealed class SyncLog : ISyncLog
{
    private List<DateTime> Events { get; set; } = new();

    public void Changed(string entity)
    {
        Events.RemoveAll(at => at < DateTime.UtcNow.AddHours(-1)); // LEAK: RES004
        Events.Add(DateTime.UtcNow); // LEAK: RES004
    }

    public IReadOnlyList<DateTime> Since(DateTime from) => Events.Where(at => at >= from).ToList();
}

public interface ILockedSyncLog
{
    void Changed(string entity);
}

/// <summary>The same shape under a lock.</summary>
public sealed class LockedSyncLog : ILockedSyncLog
{
    private readonly object _gate = new();

    private List<DateTime> Events { get; set; } = new();

    public void Changed(string entity)
    {
        lock (_gate)
        {
            Events.RemoveAll(at => at < DateTime.UtcNow.AddHours(-1));
            Events.Add(DateTime.UtcNow); // SAFE: RES004
        }
    }
}

/// <summary>A singleton list of subscribers, mutated from many request paths without a lock and enumerated per poll.</summary>
public sealed class SubscriptionRegistry
{
    private readonly List<string> _subscribers = new();

    public void Subscribe(string url) => _subscribers.Add(url); // LEAK: RES004

    public void Unsubscribe(string url) => _subscribers.RemoveAll(candidate => candidate == url); // LEAK: RES004

    public IReadOnlyList<string> All() => _subscribers.ToArray();
}

/// <summary>A singleton that keeps the request's tenant: a captive scoped service.</summary>
public sealed class PricingService(TenantContext tenant) // LEAK: RES003
{
    public decimal Price(decimal amount) => tenant.Tenant == "vip" ? amount * 0.9m : amount;
}

/// <summary>A singleton holding a stateless transient: safe (the false alarm).</summary>
public sealed class GreetingService(CurrentUser user) // SAFE: RES003
{
    public string Greet() => $"Hello, {user.Name}";
}

/// <summary>A singleton holding a transient that owns a resource.</summary>
public sealed class InvoiceService(ReceiptPrinter printer) // LEAK: RES003
{
    private static int s_printed;

    public void Print(Order order)
    {
        printer.Print($"{order.Id}: {order.Total}");
        s_printed++; // LEAK: RES001
    }
}

/// <summary>Scoped, with a retry helper that sleeps on the thread of its async caller.</summary>
public sealed class UploadService(OrderStore orders)
{
    public async Task<Order> UploadAsync(string customer, decimal total)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await orders.SaveAsync(customer, total);
            }
            catch (IOException) when (attempt < 3)
            {
                Backoff(attempt);
            }
        }
    }

    private static void Backoff(int attempt) => Thread.Sleep(1000 * attempt); // LEAK: RES005
}

public interface IWebhookQueue
{
    void Accept(string body);
}

/// <summary>Registered with a factory lambda: a queue one entry per webhook, never drained.</summary>
public sealed class WebhookQueue : IWebhookQueue
{
    private readonly ConcurrentQueue<string> _bodies = new();

    public void Accept(string body) => _bodies.Enqueue(body); // LEAK: RES002
}

/// <summary>An MVC filter (request code wherever it is declared) keeping the last action in a static.</summary>
public sealed class LastActionFilter : IActionFilter
{
    public static string? LastAction { get; private set; }

    public void OnActionExecuting(ActionExecutingContext context) => LastAction = context.ActionDescriptor.DisplayName; // LEAK: RES001

    public void OnActionExecuted(ActionExecutedContext context)
    {
    }
}
