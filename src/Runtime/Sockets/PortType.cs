namespace Resident;

/// <summary>The kind of an extra port.</summary>
public enum PortType
{
    /// <summary>TCP over IPv4.</summary>
    Tcp = 0,

    /// <summary>TCP over IPv6.</summary>
    Tcp6 = 1,

    /// <summary>UDP over IPv4.</summary>
    Udp = 2,

    /// <summary>UDP over IPv6.</summary>
    Udp6 = 3,

    /// <summary>A Unix domain stream socket; <c>Host</c> is its path.</summary>
    Unix = 4,
}
