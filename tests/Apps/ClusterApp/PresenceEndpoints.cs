namespace ClusterApp;

/// <summary>What the presence tests drive on a node.</summary>
public static class PresenceEndpoints
{
    public static WebApplication MapPresenceEndpoints(this WebApplication app) => app;
}
