namespace Resident;

/// <summary>
/// Marks a class implementing <see cref="ICleaner"/> that runs after every request, once the response has been
/// sent — LaravelS's <c>cleaners</c>. One instance serves the whole server; it is built by the generated factory,
/// which resolves its constructor parameters from dependency injection.
/// </summary>
/// <remarks>
/// Cleaners run in ascending <see cref="Order"/>, then by full type name. A cleaner that throws is logged with
/// its name; the response and the other cleaners are not affected.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CleanerAttribute : Attribute
{
    /// <summary>Position among cleaners; lower runs first. Default 0.</summary>
    public int Order { get; set; }
}
