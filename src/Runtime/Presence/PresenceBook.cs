namespace Resident.Presence;

/// <summary>
/// The groups and users of this process's connections, in memory: the whole of presence without Redis, and with it
/// the record each node republishes when Redis lost what it held. Thread-safe; every call is short.
/// </summary>
internal sealed class PresenceBook
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<long>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<long>> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Entry> _connections = [];

    /// <summary>Adds the connection to the group; false if it was already a member.</summary>
    public bool Join(string group, long connectionId)
    {
        lock (_gate)
        {
            var entry = EntryOf(connectionId);
            if (!entry.Groups.Add(group))
            {
                return false;
            }

            SetOf(_groups, group).Add(connectionId);
            return true;
        }
    }

    /// <summary>Removes the connection from the group; false if it was not a member.</summary>
    public bool Leave(string group, long connectionId)
    {
        lock (_gate)
        {
            if (!_connections.TryGetValue(connectionId, out var entry) || !entry.Groups.Remove(group))
            {
                return false;
            }

            RemoveFrom(_groups, group, connectionId);
            ForgetIfEmpty(connectionId, entry);
            return true;
        }
    }

    /// <summary>Binds the connection to <paramref name="user"/> (null unbinds); returns the user it had.</summary>
    public string? SetUser(long connectionId, string? user)
    {
        lock (_gate)
        {
            var entry = EntryOf(connectionId);
            var previous = entry.User;
            if (previous is not null)
            {
                RemoveFrom(_users, previous, connectionId);
            }

            entry.User = user;
            if (user is not null)
            {
                SetOf(_users, user).Add(connectionId);
            }

            ForgetIfEmpty(connectionId, entry);
            return previous;
        }
    }

    /// <summary>Removes the connection from every group and its user; false if it had none.</summary>
    public bool Forget(long connectionId)
    {
        lock (_gate)
        {
            if (!_connections.Remove(connectionId, out var entry))
            {
                return false;
            }

            foreach (var group in entry.Groups)
            {
                RemoveFrom(_groups, group, connectionId);
            }

            if (entry.User is not null)
            {
                RemoveFrom(_users, entry.User, connectionId);
            }

            return true;
        }
    }

    public PresenceMember[] Members(string group)
    {
        lock (_gate)
        {
            return _groups.TryGetValue(group, out var members)
                ? [.. members.Order().Select(id => new PresenceMember(id, _connections[id].User))]
                : [];
        }
    }

    public string[] GroupsOf(long connectionId)
    {
        lock (_gate)
        {
            return _connections.TryGetValue(connectionId, out var entry) ? [.. entry.Groups.Order(StringComparer.Ordinal)] : [];
        }
    }

    public long[] ConnectionsOf(string user)
    {
        lock (_gate)
        {
            return _users.TryGetValue(user, out var connections) ? [.. connections.Order()] : [];
        }
    }

    /// <summary>Every connection with a group or a user, as it is now.</summary>
    public ConnectionRecord[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _connections.Select(pair => new ConnectionRecord(pair.Key, pair.Value.User, [.. pair.Value.Groups]))];
        }
    }

    private Entry EntryOf(long connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var entry))
        {
            entry = new Entry();
            _connections.Add(connectionId, entry);
        }

        return entry;
    }

    private void ForgetIfEmpty(long connectionId, Entry entry)
    {
        if (entry.User is null && entry.Groups.Count == 0)
        {
            _connections.Remove(connectionId);
        }
    }

    private static HashSet<long> SetOf(Dictionary<string, HashSet<long>> sets, string name)
    {
        if (!sets.TryGetValue(name, out var set))
        {
            set = [];
            sets.Add(name, set);
        }

        return set;
    }

    private static void RemoveFrom(Dictionary<string, HashSet<long>> sets, string name, long connectionId)
    {
        if (sets.TryGetValue(name, out var set) && set.Remove(connectionId) && set.Count == 0)
        {
            sets.Remove(name);
        }
    }

    private sealed class Entry
    {
        public string? User { get; set; }

        public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>One connection's user and groups, as <see cref="PresenceBook.Snapshot"/> saw them.</summary>
internal readonly record struct ConnectionRecord(long Id, string? User, string[] Groups);
