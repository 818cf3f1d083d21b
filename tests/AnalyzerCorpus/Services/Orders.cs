namespace Corpus.Services;

public sealed record Order(int Id, string Sku, int Quantity, decimal Total);

public interface IOrderRepository
{
    Order? Find(int id);
    Order Add(string sku, int quantity, decimal total);
    IReadOnlyList<Order> All();
}

/// <summary>Scoped: one per request. The id counter is shared by every request, though.</summary>
public sealed class InMemoryOrderRepository : IOrderRepository
{
    private static readonly ConcurrentDictionary<int, Order> s_store = new();
    private static int s_nextId;
    private readonly List<Order> _addedThisRequest = new();

    public Order? Find(int id) => s_store.TryGetValue(id, out var order) ? order : null;

    public Order Add(string sku, int quantity, decimal total)
    {
        var id = NextId();
        var order = new Order(id, sku, quantity, total);
        s_store[id] = order;
        _addedThisRequest.Add(order);
        return order;
    }

    public IReadOnlyList<Order> All() => s_store.Values.OrderBy(order => order.Id).ToList();

    public static void Purge(int olderThanId)
    {
        foreach (var id in s_store.Keys.Where(id => id < olderThanId))
        {
            s_store.TryRemove(id, out _);
        }
    }

    private static int NextId()
    {
        s_nextId = s_nextId + 1; // LEAK: RES001
        return s_nextId;
    }
}

/// <summary>A scoped audit trail: keeping the HttpContext is fine in a scoped service.</summary>
public sealed class RequestAudit(IHttpContextAccessor accessor)
{
    private readonly HttpContext? _context = accessor.HttpContext;

    public List<string> Entries { get; } = new();

    public void Record(string what) => Entries.Add($"{_context?.TraceIdentifier}: {what}");
}

/// <summary>A singleton that keeps scoped state: the repository of whichever request built it first.</summary>
public sealed class ReportBuilder(IOrderRepository orders) // LEAK: RES003
{
    public string Summary() => $"{orders.All().Count} orders";
}
