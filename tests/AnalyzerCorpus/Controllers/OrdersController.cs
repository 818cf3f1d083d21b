using Corpus.Services;
using Microsoft.AspNetCore.Mvc;

namespace Corpus.Controllers;

[ApiController]
[Route("api/orders")]
public sealed class OrdersController(IOrderRepository orders, PriceCache prices, ReportBuilder reports, ILogger<OrdersController> logger) : ControllerBase
{
    private static readonly Dictionary<int, Order> s_orderCache = new();
    private static readonly HttpClient s_http = new();

    [HttpGet("{id:int}")]
    public ActionResult<Order> Get(int id)
    {
        var order = orders.Find(id);
        if (order is null)
        {
            return NotFound();
        }

        s_orderCache[id] = order; // LEAK: RES002
        return order;
    }

    [HttpPost]
    public async Task<ActionResult<Order>> Create(OrderRequest request, CancellationToken token)
    {
        var price = prices.Get(request.Sku);
        var order = orders.Add(request.Sku, request.Quantity, price * request.Quantity);
        logger.LogInformation("Order {Id} created for {User}", order.Id, User.Identity?.Name);
        await Task.Yield();
        return CreatedAtAction(nameof(Get), new { id = order.Id }, order);
    }

    [HttpGet("{id:int}/invoice")]
    public async Task<IActionResult> Invoice(int id)
    {
        var template = s_http.GetStringAsync("https://templates.example/invoice").Result; // LEAK: RES005
        var body = await Task.FromResult(template.Replace("{id}", id.ToString()));
        return Content(body, "text/plain");
    }

    [HttpGet("report")]
    public IActionResult Report() => Content(reports.Summary(), "text/plain");

    // Synchronous: a blocking wait here costs a thread but is not flagged (nothing async to starve).
    [HttpGet("legacy")]
    public IActionResult Legacy()
    {
        Thread.Sleep(1);
        return Ok(orders.All().Count);
    }
}

public sealed record OrderRequest(string Sku, int Quantity);
