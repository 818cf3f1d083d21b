using Resident.Analyzers.Tests.Infrastructure;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>Request entry points beyond actions, routes, middleware, pages and hubs, and a library's request roots.</summary>
public sealed class EntryPointTests
{
    public static TheoryData<string> EntryPoints => new()
    {
        // An MVC action filter.
        """
        public sealed class Remember : Microsoft.AspNetCore.Mvc.Filters.IActionFilter
        {
            public static string? Last;
            public void OnActionExecuting(Microsoft.AspNetCore.Mvc.Filters.ActionExecutingContext context) { {|#0:Last = context.ActionDescriptor.DisplayName|}; }
            public void OnActionExecuted(Microsoft.AspNetCore.Mvc.Filters.ActionExecutedContext context) { }
        }
        """,
        // An endpoint filter.
        """
        public sealed class Count : IEndpointFilter
        {
            private static int s_calls;
            public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) { {|#0:s_calls = s_calls + 1|}; return next(context); }
        }
        """,
        // An authorization handler (the protected override).
        """
        public sealed class Adult : Microsoft.AspNetCore.Authorization.IAuthorizationRequirement { }
        public sealed class AdultHandler : Microsoft.AspNetCore.Authorization.AuthorizationHandler<Adult>
        {
            private static ClaimsPrincipal? s_last;
            protected override Task HandleRequirementAsync(Microsoft.AspNetCore.Authorization.AuthorizationHandlerContext context, Adult requirement) { {|#0:s_last = context.User|}; return Task.CompletedTask; }
        }
        """,
        // A view component.
        """
        public sealed class CartViewComponent : ViewComponent
        {
            private static string? s_user;
            public IViewComponentResult Invoke() { {|#0:s_user = User.Identity?.Name|}; return Content("cart"); }
        }
        """,
        // An interactive Blazor component's event handler.
        """
        public sealed class Counter : Microsoft.AspNetCore.Components.ComponentBase
        {
            private static int s_total;
            private void Increment() { {|#0:s_total = s_total + 1|}; }
        }
        """,
        // A library's service, registered by the library itself: its public methods are request code.
        """
        public sealed class Orders { private static int s_last; public void Save(int id) { {|#0:s_last = id|}; } }
        public static class OrdersRegistration { public static IServiceCollection AddOrders(this IServiceCollection services) => services.AddScoped<Orders>(); }
        """,
    };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public Task Static_writes_from_more_entry_points_are_request_code(string source) =>
        Leak.VerifyAsync(source, Leak.At(Rules.StaticWrittenFromRequest));

    public static TheoryData<string> NotEntryPoints => new()
    {
        // A library class nobody registers; a registered hosted service's methods are background work.
        """
        public sealed class Orders { private static int s_last; public void Save(int id) { s_last = id; } }
        public sealed class Pump : BackgroundService
        {
            private static int s_runs;
            public void Kick() { s_runs = s_runs + 1; }
            protected override Task ExecuteAsync(CancellationToken token) => Task.CompletedTask;
        }
        public static class Registration { public static IServiceCollection Add(IServiceCollection services) => services.AddHostedService<Pump>(); }
        """,
        // A component's render tree is not an entry; a filter's non-callback helper reached from nowhere is not either.
        """
        public sealed class Remember : Microsoft.AspNetCore.Mvc.Filters.IActionFilter
        {
            public static string? Last;
            public void OnActionExecuting(Microsoft.AspNetCore.Mvc.Filters.ActionExecutingContext context) { }
            public void OnActionExecuted(Microsoft.AspNetCore.Mvc.Filters.ActionExecutedContext context) { }
            public static void Configure(string name) { Last = name; }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(NotEntryPoints))]
    public Task Unregistered_library_classes_hosted_services_and_helpers_are_not(string source) => Leak.VerifyAsync(source);
}
