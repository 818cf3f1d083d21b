namespace Resident;

/// <summary>
/// Marks a class implementing <see cref="IRequestReceivedHook"/>, <see cref="IResponseGeneratedHook"/> or both —
/// LaravelS's <c>laravels.received_request</c> and <c>laravels.generated_response</c> events. One instance serves
/// the whole server, built by the generated factory with dependency injection.
/// </summary>
/// <remarks>Hooks run in ascending <see cref="Order"/>, then by full type name. A hook that throws is logged and contained.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RequestHookAttribute : Attribute
{
    /// <summary>Position among request hooks; lower runs first. Default 0.</summary>
    public int Order { get; set; }
}
