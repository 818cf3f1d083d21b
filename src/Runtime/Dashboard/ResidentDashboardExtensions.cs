using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resident.Dashboard;
using Resident.Hosting;

namespace Resident;

/// <summary>Maps Resident's live dashboard: the server, WebSockets, task queue, cron jobs, tables, processes and ports.</summary>
public static class ResidentDashboardExtensions
{
    /// <summary>The JSON the dashboard page polls, under the dashboard's path.</summary>
    public const string StatsPath = "/stats.json";

    private static readonly byte[] Page = Encoding.UTF8.GetBytes(DashboardPage.Html);

    /// <summary>
    /// Maps a read-only dashboard at <paramref name="pattern"/> (one self-contained page, nothing loaded from
    /// elsewhere) and the JSON it polls every second at <paramref name="pattern"/><c>/stats.json</c>. Nothing is
    /// served unless the app calls this. Protect it like any endpoint, e.g.
    /// <c>app.MapResidentDashboard("/resident").RequireAuthorization("admins")</c>. In supervised mode it shows the
    /// view of the worker that serves the request.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The dashboard's path; <c>/resident</c> unless given.</param>
    /// <returns>A builder that applies conventions (authorization, CORS, host filters…) to both endpoints.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> does not start with '/'.</exception>
    /// <exception cref="InvalidOperationException">The app did not call <c>AddResident()</c>.</exception>
    public static IEndpointConventionBuilder MapResidentDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/resident")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        if (!pattern.StartsWith('/'))
        {
            throw new ArgumentException($"The dashboard's path must start with '/' (it is '{pattern}').", nameof(pattern));
        }

        var services = endpoints.ServiceProvider;
        if (services.GetService<ResidentRuntime>() is null)
        {
            throw new InvalidOperationException("MapResidentDashboard needs builder.AddResident() to have been called before builder.Build().");
        }

        // Built at the first request: mapping must not build the components before the start-up checks report on them.
        var snapshot = new Lazy<DashboardSnapshot>(() => new DashboardSnapshot(services), LazyThreadSafetyMode.ExecutionAndPublication);
        var group = endpoints.MapGroup(pattern.TrimEnd('/'));

        // RequestDelegates, not lambdas with parameters: no request delegate generation, nothing for the trimmer.
        RequestDelegate page = ServePageAsync;
        RequestDelegate stats = context => ServeStatsAsync(context, snapshot.Value);
        group.MapGet("/", page).WithDisplayName("Resident dashboard");
        group.MapGet(StatsPath, stats).WithDisplayName("Resident dashboard stats");
        return group;
    }

    private static Task ServePageAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = Page.Length;
        NoStore(response);

        // The page carries its own script and style and talks only to its own origin: nothing else may load.
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return response.Body.WriteAsync(Page, context.RequestAborted).AsTask();
    }

    private static async Task ServeStatsAsync(HttpContext context, DashboardSnapshot snapshot)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        NoStore(response);
        await using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            snapshot.Write(json);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void NoStore(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
