using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Resident;

/// <summary>Ways to reach the <see cref="IResidentServer"/> that fail clearly outside a Resident host.</summary>
public static class ResidentServerExtensions
{
    /// <summary>The Resident server of <paramref name="services"/>.</summary>
    /// <exception cref="InvalidOperationException">The app did not call <c>builder.AddResident()</c>.</exception>
    public static IResidentServer GetResidentServer(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<IResidentServer>() ?? throw NotAResidentHost();
    }

    /// <summary>The Resident server that serves <paramref name="context"/>.</summary>
    /// <exception cref="InvalidOperationException">The app did not call <c>builder.AddResident()</c>.</exception>
    public static IResidentServer GetResidentServer(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RequestServices.GetResidentServer();
    }

    private static InvalidOperationException NotAResidentHost() => new(
        "IResidentServer exists only in a Resident host: call builder.AddResident() on the WebApplicationBuilder " +
        "and run the app with app.RunResidentAsync(args).");
}
