using Xunit;

namespace Resident.Tests.Infrastructure;

/// <summary>Bounded waits for a condition another thread makes true: generous, so a loaded machine never fails them.</summary>
public static class Wait
{
    /// <summary>How long a wait lasts before the test fails.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <see cref="Bound"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }
}
