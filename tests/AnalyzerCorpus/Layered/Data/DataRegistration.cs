using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Layered.Data;

/// <summary>
/// The data library: no ASP.NET Core, only dependency injection. The analyzer runs here too; the public methods of the
/// classes this library registers are its request roots (the web project calls them from another compilation).
/// </summary>
public static class DataRegistration
{
    public static IServiceCollection AddData(this IServiceCollection services)
    {
        services.AddSingleton<OrderStore>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<TypeNames>();
        services.AddSingleton<CountryIndex>();
        services.AddSingleton<SchemaGate>();
        services.AddScoped<UnitOfWork>();
        return services;
    }
}

public sealed record Order(int Id, string Customer, decimal Total);

/// <summary>A singleton "repository" keeping orders in a plain dictionary, mutated by every request without a lock.</summary>
public sealed class OrderStore
{
    private readonly Dictionary<int, Order> _orders = new();
    private int _lastId;

    public async Task<Order> SaveAsync(string customer, decimal total)
    {
        await Task.Yield();
        var order = new Order(++_lastId, customer, total); // LEAK: RES004
        _orders[order.Id] = order; // LEAK: RES004
        return order;
    }

    public void Delete(int id) => _orders.Remove(id); // LEAK: RES004

    public async Task<Order?> FindAsync(int id)
    {
        Warm();
        await Task.Yield();
        return _orders.GetValueOrDefault(id);
    }

    private static void Warm() => Task.Delay(1).Wait(); // LEAK: RES005

    public async Task CompactAsync(Task previous)
    {
        previous.Wait(); // LEAK: RES005
        await Task.Yield();
    }

    /// <summary>Synchronous all the way (only synchronous callers): the caller chose to block.</summary>
    public Order? FindNow(int id)
    {
        Thread.Sleep(1); // SAFE: RES005
        return _orders.GetValueOrDefault(id);
    }
}

/// <summary>A singleton audit trail: one entry per request, never drained.</summary>
public sealed class AuditTrail
{
    private readonly ConcurrentQueue<string> _entries = new();

    public void Write(string entry) => _entries.Enqueue(entry); // LEAK: RES002

    public int Count => _entries.Count;
}

/// <summary>Bounded caches: Type keys, and keys from a static readonly table.</summary>
public sealed class TypeNames
{
    private readonly ConcurrentDictionary<Type, string> _names = new();

    public string NameOf(object value) => _names.GetOrAdd(value.GetType(), type => type.FullName ?? type.Name); // SAFE: RES002
}

public sealed class CountryIndex
{
    private static readonly Dictionary<string, string> s_codes = new() { ["france"] = "fr", ["germany"] = "de", ["spain"] = "es" };
    private readonly ConcurrentDictionary<string, int> _hits = new();

    public void Hit(string country)
    {
        if (s_codes.TryGetValue(country, out var code))
        {
            _hits.AddOrUpdate(code, 1, (_, hits) => hits + 1); // SAFE: RES002
        }
    }
}

/// <summary>One-time initialisation with a double-checked flag.</summary>
public sealed class SchemaGate
{
    private readonly object _gate = new();
    private bool _ready;

    public void EnsureReady()
    {
        if (!_ready)
        {
            lock (_gate)
            {
                if (!_ready)
                {
                    _ready = true; // SAFE: RES004
                }
            }
        }
    }
}

/// <summary>Scoped: one per request, so its fields are the request's own.</summary>
public sealed class UnitOfWork : IDisposable
{
    private readonly List<object> _pending = new();
    private int _saves;

    public void Track(object entity) => _pending.Add(entity); // SAFE: RES002

    public void Save() => _saves++; // SAFE: RES004

    public void Dispose() => _pending.Clear();
}
