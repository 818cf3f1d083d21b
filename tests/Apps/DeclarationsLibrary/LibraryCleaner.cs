using Microsoft.AspNetCore.Http;

namespace Resident.Tests.Library;

/// <summary>A cleaner that lives in a library the app never touches before it starts.</summary>
[Cleaner(Order = 100)]
public sealed class LibraryCleaner : ICleaner
{
    private static long s_runs;

    public static long Runs => Interlocked.Read(ref s_runs);

    public ValueTask CleanAsync(HttpContext context)
    {
        Interlocked.Increment(ref s_runs);
        return ValueTask.CompletedTask;
    }
}
