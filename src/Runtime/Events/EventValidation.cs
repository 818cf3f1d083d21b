using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;

namespace Resident.Events;

/// <summary>The start-up checks of <c>[AsyncEvent]</c> and <c>[EventListener]</c> declarations.</summary>
internal static class EventValidation
{
    /// <summary>Adds a sentence naming the type for each event or listener that cannot work.</summary>
    public static void Validate(BackgroundDeclarations background, List<string> errors)
    {
        foreach (var @event in background.Events)
        {
            if (@event.PayloadProblem is { } problem)
            {
                errors.Add(problem);
            }
        }

        var events = background.Events.Select(@event => @event.Type).ToHashSet();
        foreach (var listener in background.Listeners)
        {
            Resident.Tasks.TaskQueue.CheckRetry(listener.Name, "[EventListener]", listener.Retry, errors);
            if (!events.Contains(listener.EventType))
            {
                errors.Add($"The listener {listener.Name} listens to {listener.EventType.FullName}, which is not marked [AsyncEvent]; mark the event class [AsyncEvent].");
            }
        }
    }
}

/// <summary>The events feature: the dispatcher and its start-up check.</summary>
internal static class EventFeature
{
    public static void AddEvents(IServiceCollection services)
    {
        services.AddSingleton<IEventDispatcher, EventDispatcher>();
        services.AddSingleton<IStartupCheck, EventStartupCheck>();
    }

    private sealed class EventStartupCheck : IStartupCheck
    {
        public void CheckDeclarations(StartupContext context) => EventValidation.Validate(context.Declarations.Background, context.Errors);
    }
}
