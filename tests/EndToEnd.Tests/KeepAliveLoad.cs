namespace Resident.EndToEnd.Tests;

/// <summary>Keep-alive HTTP clients sending requests back to back, counting what was served and what failed.</summary>
internal static class KeepAliveLoad
{
    /// <summary>Runs <paramref name="clients"/> clients against <paramref name="address"/>'s /plaintext while <paramref name="during"/> runs.</summary>
    public static async Task<(List<string> Failures, long Served)> RunAsync(Uri address, Func<Task> during, int clients = 8)
    {
        var failures = new List<string>();
        long served = 0;
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = address };
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/plaintext");
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref served);
                        continue;
                    }

                    lock (failures)
                    {
                        failures.Add($"status {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException exception)
                {
                    lock (failures)
                    {
                        failures.Add(exception.Message);
                    }
                }
            }
        })).ToArray();
        try
        {
            await during();
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
        }

        return (failures, Interlocked.Read(ref served));
    }
}
