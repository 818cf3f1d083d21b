namespace Resident;

/// <summary>The live state of one cron job.</summary>
internal sealed class CronJobState(string name)
{
    private int _stopRequested;

    public string Name { get; } = name;

    public bool StopRequested => Volatile.Read(ref _stopRequested) != 0;

    public void RequestStop() => Volatile.Write(ref _stopRequested, 1);
}
