namespace Resident;

/// <summary>
/// Presence could not reach the store that holds it (the cluster's Redis) within its bound. Nothing was changed by
/// the call that threw it except as its documentation says; retrying once the store answers is safe.
/// </summary>
public sealed class PresenceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PresenceUnavailableException()
        : base("Presence is unavailable: its store did not answer.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PresenceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PresenceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
