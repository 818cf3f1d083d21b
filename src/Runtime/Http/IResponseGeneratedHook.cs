using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>
/// Runs when the app has produced the response, just before its status line and headers are written. The hook
/// may change the status code and the headers. Declare with <see cref="RequestHookAttribute"/>.
/// </summary>
/// <remarks>
/// For a streamed response this is when the app first writes to the body; the body itself can no longer be changed.
/// </remarks>
public interface IResponseGeneratedHook
{
    /// <summary>Inspects or changes the response status and headers before they are sent.</summary>
    ValueTask OnResponseGeneratedAsync(HttpContext context);
}
