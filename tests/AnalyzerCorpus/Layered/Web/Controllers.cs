using Layered.Data;
using Layered.Services;
using Microsoft.AspNetCore.Mvc;

namespace Layered.Web;

[ApiController]
[Route("orders")]
public sealed class OrdersController(OrderStore orders, UploadService uploads, InvoiceService invoices, PricingService pricing,
    SubscriptionRegistry subscriptions, VisitCounter visits, FeatureFlags flags, CountryIndex countries, SchemaGate schema) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Create(string customer, decimal total)
    {
        schema.EnsureReady();
        visits.Count(customer);
        var order = await uploads.UploadAsync(customer, pricing.Price(total));
        invoices.Print(order);
        return Ok(order);
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(int id)
    {
        countries.Hit(HttpContext.Request.Query["country"].ToString());
        var order = await orders.FindAsync(id);
        var enabled = flags.IsOn("fast");
        return order is null ? NotFound() : Ok(new { order, enabled });
    }

    [HttpPost("subscribe")]
    public IActionResult Subscribe(string url)
    {
        subscriptions.Subscribe(url);
        return Ok(subscriptions.All());
    }

    [HttpDelete("subscribe")]
    public IActionResult Unsubscribe(string url)
    {
        subscriptions.Unsubscribe(url);
        return Ok();
    }
}

/// <summary>A web-project singleton counting visits per customer: a dictionary keyed by request data, never trimmed.</summary>
public sealed class VisitCounter
{
    private readonly ConcurrentDictionary<string, int> _visits = new();

    public void Count(string customer) => _visits.AddOrUpdate(customer, 1, (_, count) => count + 1); // LEAK: RES002
}

/// <summary>Feature flags loaded once (one-time flag), read per request; keyed by constants.</summary>
public sealed class FeatureFlags
{
    private readonly ConcurrentDictionary<string, bool> _flags = new();
    private bool _loaded;

    public bool IsOn(string name)
    {
        if (!_loaded)
        {
            _flags["fast"] = true; // SAFE: RES002
            _loaded = true; // SAFE: RES004
        }

        return _flags.TryGetValue(name, out var on) && on;
    }
}

/// <summary>Conventional middleware: built once, so its fields are shared by every request.</summary>
public sealed class TenantMiddleware(RequestDelegate next, ITenantLookup lookup)
{
    private string? _lastTenant;

    public Task InvokeAsync(HttpContext context)
    {
        _lastTenant = lookup.Find(context.Request.Host.Host); // LEAK: RES004
        context.Items["tenant"] = _lastTenant;
        return next(context);
    }
}

public interface ITenantLookup
{
    string Find(string host);
}

/// <summary>Blocks on an async lookup on every request, through the middleware's synchronous call.</summary>
public sealed class TenantLookup : ITenantLookup
{
    public string Find(string host) => LoadAsync(host).GetAwaiter().GetResult(); // LEAK: RES005

    private static async Task<string> LoadAsync(string host)
    {
        await Task.Yield();
        return host;
    }
}
