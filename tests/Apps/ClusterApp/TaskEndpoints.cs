using System.Globalization;
using Resident;

namespace ClusterApp;

/// <summary>What the task tests drive on a node.</summary>
public static class TaskEndpoints
{
    public static WebApplication MapTaskEndpoints(this WebApplication app)
    {
        // Delivers `count` DurableWork tasks labelled {prefix}0..; answers how many were accepted.
        app.MapPost("/tasks/deliver", async (int count, int milliseconds, string prefix, ITaskQueue tasks) =>
        {
            var accepted = 0;
            for (var i = 0; i < count; i++)
            {
                if (await tasks.DeliverAsync(new DurableWork { Label = prefix + i.ToString(CultureInfo.InvariantCulture), Milliseconds = milliseconds }))
                {
                    accepted++;
                }
            }

            return accepted.ToString(CultureInfo.InvariantCulture);
        });

        // This node's durable counters, one "name value" per line.
        app.MapGet("/tasks/counters", (IDurableTasks durable) =>
        {
            var counters = durable.Counters;
            return string.Join('\n',
                $"sent {counters.Sent}", $"refused {counters.Refused}", $"received {counters.Received}", $"reclaimed {counters.Reclaimed}",
                $"completed {counters.Completed}", $"retried {counters.Retried}", $"dead {counters.DeadLettered}", $"abandoned {counters.Abandoned}",
                $"lost {counters.ClaimsLost}");
        });
        return app;
    }
}
