using Microsoft.AspNetCore.Http;

namespace Resident;

/// <summary>
/// Runs when a request has been parsed, before the app's middleware pipeline sees it. The hook may change the
/// query, the headers or the form. Declare with <see cref="RequestHookAttribute"/>.
/// </summary>
public interface IRequestReceivedHook
{
    /// <summary>Inspects or changes the request before the app handles it.</summary>
    ValueTask OnRequestReceivedAsync(HttpContext context);
}
