using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;
using Resident.WebSockets;

namespace Resident;

/// <summary>Maps the app's <see cref="WebSocketHandlerAttribute">[WebSocketHandler]</see> classes as endpoints.</summary>
public static class WebSocketEndpointExtensions
{
    /// <summary>
    /// Maps every declared WebSocket handler at its path. <c>RunResidentAsync</c> does this for you when the app has
    /// not; call it yourself to place the endpoints or add conventions, e.g.
    /// <c>app.MapWebSocketHandlers().RequireAuthorization()</c>.
    /// </summary>
    /// <returns>A builder that applies conventions to every WebSocket endpoint.</returns>
    /// <exception cref="InvalidOperationException">The app did not call <c>AddResident()</c>, or mapped the handlers already.</exception>
    public static IEndpointConventionBuilder MapWebSocketHandlers(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var runtime = services.GetService<ResidentRuntime>()
            ?? throw new InvalidOperationException("MapWebSocketHandlers needs builder.AddResident() to have been called before builder.Build().");
        if (runtime.WebSocketHandlersMapped)
        {
            throw new InvalidOperationException("The WebSocket handlers are mapped already; call MapWebSocketHandlers() once.");
        }

        runtime.WebSocketHandlersMapped = true;
        var server = services.GetRequiredService<WebSocketServer>();
        var builders = new List<IEndpointConventionBuilder>();
        foreach (var declaration in runtime.Declarations.WebSocketHandlers)
        {
            var endpoint = new WebSocketEndpoint(declaration, runtime, server);
            builders.Add(endpoints.Map(declaration.Path, endpoint.InvokeAsync).WithDisplayName($"WebSocket {declaration.Path} ({declaration.Name})"));
        }

        return new ConventionBuilders(builders);
    }

    private sealed class ConventionBuilders(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
