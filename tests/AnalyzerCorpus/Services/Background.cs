namespace Corpus.Services;

/// <summary>Flushes metrics once a minute: static writes here are not request code.</summary>
public sealed class MetricsFlusher(ILogger<MetricsFlusher> logger, PriceCache prices) : BackgroundService
{
    private static int s_flushes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            s_flushes++;
            logger.LogInformation("Flush {Count}: {Hits} price cache hits", s_flushes, prices.Hits);
            InMemoryOrderRepository.Purge(olderThanId: 0);
        }
    }
}

/// <summary>
/// A hosted service (a singleton) that captures a transient sender and sleeps on a pool thread. The sender is stateless
/// (it holds only a logger), so keeping it is safe: not RES003.
/// </summary>
public sealed class NightlyMailer(IEmailSender sender, IClock clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (clock.Now.Hour == 3)
            {
                await sender.SendAsync("ops@example.com", "nightly report", stoppingToken);
            }

            Thread.Sleep(TimeSpan.FromMinutes(1)); // LEAK: RES005
            await Task.Yield();
        }
    }
}
