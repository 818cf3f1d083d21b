using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>Resets state that one request left behind, so the next request starts clean. Declare with <see cref="CleanerAttribute"/>.</summary>
public interface ICleaner
{
    /// <summary>
    /// Runs after the response to <paramref name="context"/> has been sent. The request's scoped services may already
    /// be disposed; reset singleton state here.
    /// </summary>
    ValueTask CleanAsync(HttpContext context);
}
