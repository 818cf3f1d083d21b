using System.Globalization;
using Resident;

namespace ClusterApp;

/// <summary>What the presence tests drive on a node: /presence/ws (<see cref="PresenceSocket"/>) joins, these read.</summary>
public static class PresenceEndpoints
{
    public static WebApplication MapPresenceEndpoints(this WebApplication app)
    {
        // "id:user id:user …" of the group's live members, as this node sees them.
        app.MapGet("/presence/members/{group}", async (string group, IPresence presence) =>
            string.Join(' ', (await presence.MembersAsync(group)).Select(member => $"{member.ConnectionId.ToString(CultureInfo.InvariantCulture)}:{member.User}")));
        return app;
    }
}
