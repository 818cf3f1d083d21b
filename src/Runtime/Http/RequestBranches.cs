using Microsoft.AspNetCore.Http;

namespace Resident.Http;

/// <summary>
/// Where Resident's middleware sends a request: to the WebSocket middleware only when the request asks for an upgrade
/// (HTTP/1.1 <c>Upgrade</c> or HTTP/2 extended CONNECT) and the app has WebSocket handlers; to the static-file
/// middlewares only for a GET or HEAD of a path the web root has; otherwise straight to the app. Each test is a few
/// instructions, so a request pays for neither middleware when it cannot use it.
/// </summary>
/// <remarks>
/// A new cheap check (say a path a built-in endpoint answers) belongs in <see cref="For"/>, before the app.
/// Without the WebSocket middleware <c>HttpContext.WebSockets.IsWebSocketRequest</c> is false, which is what the
/// middleware would have said of a request without an upgrade.
/// </remarks>
internal sealed class RequestBranches(RequestDelegate? webSockets, StaticFileIndex? staticFiles, RequestDelegate? staticBranch)
{
    /// <summary>No branch: every request goes to the app.</summary>
    public static readonly RequestBranches None = new(null, null, null);

    /// <summary>The pipeline that serves <paramref name="context"/>: a branch, or <paramref name="app"/>.</summary>
    public RequestDelegate For(HttpContext context, RequestDelegate app)
    {
        // The method is read once for both tests (each read is an interface call into the server).
        var request = context.Request;
        var method = request.Method;
        if (webSockets is not null && MayUpgrade(request, method))
        {
            return webSockets;
        }

        return AfterWebSockets(request, method, app);
    }

    /// <summary>The static-file branch or <paramref name="app"/>: what follows the WebSocket middleware.</summary>
    public RequestDelegate AfterWebSockets(HttpRequest request, RequestDelegate app) => AfterWebSockets(request, request.Method, app);

    private RequestDelegate AfterWebSockets(HttpRequest request, string method, RequestDelegate app) =>
        staticFiles is not null && staticFiles.MayServe(method, request.Path) ? staticBranch! : app;

    // What the WebSocket middleware looks for: an HTTP/1.1 upgrade or an HTTP/2 (or 3) extended CONNECT.
    private static bool MayUpgrade(HttpRequest request, string method) =>
        request.Headers.Upgrade.Count > 0 || HttpMethods.IsConnect(method);
}
