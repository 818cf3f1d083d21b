using Microsoft.AspNetCore.Mvc;

namespace Corpus.Controllers;

/// <summary>Correct code only: per-request state in locals and the HttpContext.</summary>
[ApiController]
[Route("api/account")]
public sealed class AccountController(Services.CurrentUser currentUser, Services.RequestAudit audit) : ControllerBase
{
    private const int MaxNameLength = 64;
    private static readonly string[] s_roles = ["reader", "writer"];
    private static long s_requests;

    [HttpGet("name")]
    public string Name()
    {
        Interlocked.Increment(ref s_requests);
        audit.Record("name");
        var name = currentUser.Name ?? "anonymous";
        return name.Length <= MaxNameLength ? name : name[..MaxNameLength];
    }

    [HttpGet("roles")]
    public IEnumerable<string> Roles() => s_roles.Where(role => User.IsInRole(role));

    [HttpGet("stats")]
    public object Stats() => new { requests = Interlocked.Read(ref s_requests), audited = audit.Entries.Count };

    [HttpPost("rename")]
    public async Task<IActionResult> Rename([FromBody] string name, CancellationToken token)
    {
        var items = new List<string> { name };
        items.Add(name.ToUpperInvariant());
        await Task.Delay(10, token);
        HttpContext.Items["renamed"] = items;
        return NoContent();
    }
}
