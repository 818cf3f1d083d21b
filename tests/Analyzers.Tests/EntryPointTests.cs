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
        // An async MVC action filter, a resource filter, an exception filter and an authorization filter.
        """
        public sealed class Audit : Microsoft.AspNetCore.Mvc.Filters.IAsyncActionFilter
        {
            private static string? s_last;
            public Task OnActionExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.ActionExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.ActionExecutionDelegate next) { {|#0:s_last = context.HttpContext.TraceIdentifier|}; return next(); }
        }
        """,
        """
        public sealed class Timing : Microsoft.AspNetCore.Mvc.Filters.IResourceFilter
        {
            private static DateTime s_started;
            public void OnResourceExecuting(Microsoft.AspNetCore.Mvc.Filters.ResourceExecutingContext context) { {|#0:s_started = DateTime.UtcNow|}; }
            public void OnResourceExecuted(Microsoft.AspNetCore.Mvc.Filters.ResourceExecutedContext context) { }
        }
        """,
        """
        public sealed class LastError : Microsoft.AspNetCore.Mvc.Filters.IExceptionFilter
        {
            private static Exception? s_last;
            public void OnException(Microsoft.AspNetCore.Mvc.Filters.ExceptionContext context) { {|#0:s_last = context.Exception|}; }
        }
        """,
        """
        public sealed class ApiKey : Microsoft.AspNetCore.Mvc.Filters.IAuthorizationFilter
        {
            private static string? s_key;
            public void OnAuthorization(Microsoft.AspNetCore.Mvc.Filters.AuthorizationFilterContext context) { {|#0:s_key = context.HttpContext.Request.Headers["X-Key"]|}; }
        }
        """,
        // A Razor Pages filter and a result filter.
        """
        public sealed class PageStamp : Microsoft.AspNetCore.Mvc.Filters.IPageFilter
        {
            private static string? s_page;
            public void OnPageHandlerSelected(Microsoft.AspNetCore.Mvc.Filters.PageHandlerSelectedContext context) { }
            public void OnPageHandlerExecuting(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context) { {|#0:s_page = context.ActionDescriptor.DisplayName|}; }
            public void OnPageHandlerExecuted(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutedContext context) { }
        }
        """,
        """
        public sealed class ResultCount : Microsoft.AspNetCore.Mvc.Filters.IResultFilter
        {
            private static int s_results;
            public void OnResultExecuting(Microsoft.AspNetCore.Mvc.Filters.ResultExecutingContext context) { }
            public void OnResultExecuted(Microsoft.AspNetCore.Mvc.Filters.ResultExecutedContext context) { {|#0:s_results = s_results + 1|}; }
        }
        """,
        // An authorization handler implementing the interface directly.
        """
        public sealed class EveryRequirement : Microsoft.AspNetCore.Authorization.IAuthorizationHandler
        {
            private static ClaimsPrincipal? s_user;
            public Task HandleAsync(Microsoft.AspNetCore.Authorization.AuthorizationHandlerContext context) { {|#0:s_user = context.User|}; return Task.CompletedTask; }
        }
        """,
        // An authorization policy provider: asked for a policy on every authorized request.
        """
        public sealed class MinimumAgePolicies : Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider
        {
            private static string? s_lastPolicy;
            public Task<Microsoft.AspNetCore.Authorization.AuthorizationPolicy?> GetPolicyAsync(string policyName)
            {
                {|#0:s_lastPolicy = policyName|};
                return Task.FromResult<Microsoft.AspNetCore.Authorization.AuthorizationPolicy?>(null);
            }
            public Task<Microsoft.AspNetCore.Authorization.AuthorizationPolicy> GetDefaultPolicyAsync() => Task.FromResult(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
            public Task<Microsoft.AspNetCore.Authorization.AuthorizationPolicy?> GetFallbackPolicyAsync() => Task.FromResult<Microsoft.AspNetCore.Authorization.AuthorizationPolicy?>(null);
        }
        """,
        // A Razor Pages handler.
        """
        public sealed class ContactModel : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
        {
            private static string? s_lastMessage;
            public IActionResult OnPost(string message) { {|#0:s_lastMessage = message|}; return Page(); }
        }
        """,
        // A SignalR hub method, on a strongly typed hub.
        """
        public interface IChatClient { Task Receive(string message); }
        public sealed class ChatHub : Microsoft.AspNetCore.SignalR.Hub<IChatClient>
        {
            private static string? s_lastMessage;
            public Task Send(string message) { {|#0:s_lastMessage = message|}; return Clients.All.Receive(message); }
        }
        """,
        // A gRPC service method: an override in a class deriving from the generated base ([BindServiceMethod]).
        // Grpc.Core is not referenced by the tests, so the attribute and the generated base are declared here.
        """
        namespace Grpc.Core
        {
            [AttributeUsage(AttributeTargets.Class)]
            public sealed class BindServiceMethodAttribute(Type bindType, string bindMethodName) : Attribute { public Type BindType => bindType; public string BindMethodName => bindMethodName; }
            public abstract class ServerCallContext { }
        }
        namespace Greet
        {
            public static partial class Greeter
            {
                [Grpc.Core.BindServiceMethod(typeof(Greeter), "BindService")]
                public abstract partial class GreeterBase
                {
                    public virtual Task<string> SayHello(string request, Grpc.Core.ServerCallContext context) => throw new NotImplementedException();
                }
            }
            public sealed class GreeterService : Greeter.GreeterBase
            {
                private static string? s_lastName;
                public override Task<string> SayHello(string request, Grpc.Core.ServerCallContext context) { {|#0:s_lastName = request|}; return Task.FromResult("Hello " + request); }
            }
        }
        """,
        // An interactive Blazor component's lifecycle method.
        """
        public sealed class Clock : Microsoft.AspNetCore.Components.ComponentBase
        {
            private static DateTime s_firstRender;
            protected override Task OnInitializedAsync() { {|#0:s_firstRender = DateTime.UtcNow|}; return Task.CompletedTask; }
        }
        """,
        // A MediatR request handler: controllers only Send, the request's work runs in Handle, called by the mediator.
        // MediatR is not referenced by the tests, so its two interfaces are declared here.
        """
        namespace MediatR
        {
            public interface IRequest<out TResponse> { }
            public interface IRequestHandler<in TRequest, TResponse> where TRequest : IRequest<TResponse> { Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken); }
        }
        namespace Articles
        {
            public sealed record Create(string Title) : MediatR.IRequest<int>;
            public sealed class CreateHandler : MediatR.IRequestHandler<Create, int>
            {
                private static string? s_lastTitle;
                public Task<int> Handle(Create request, CancellationToken cancellationToken) { {|#0:s_lastTitle = request.Title|}; return Task.FromResult(1); }
            }
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
        // A page model's non-handler method, a gRPC service's own helper, and a hub's non-public method are not entries.
        """
        public sealed class ContactModel : Microsoft.AspNetCore.Mvc.RazorPages.PageModel
        {
            private static string? s_template;
            public void Configure(string template) { s_template = template; }
        }
        public sealed class ChatHub : Microsoft.AspNetCore.SignalR.Hub
        {
            private static string? s_motd;
            private void SetMessageOfTheDay(string text) { s_motd = text; }
        }
        namespace Grpc.Core
        {
            [AttributeUsage(AttributeTargets.Class)]
            public sealed class BindServiceMethodAttribute(Type bindType, string bindMethodName) : Attribute { public Type BindType => bindType; public string BindMethodName => bindMethodName; }
        }
        namespace Greet
        {
            public static partial class Greeter
            {
                [Grpc.Core.BindServiceMethod(typeof(Greeter), "BindService")]
                public abstract partial class GreeterBase { }
            }
            public sealed class GreeterService : Greeter.GreeterBase
            {
                private static string? s_prefix;
                public void UsePrefix(string prefix) { s_prefix = prefix; }
            }
        }
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
