namespace Resident.Generators;

internal static class ThisAssembly
{
    /// <summary>Written into <c>[GeneratedCode]</c>; kept in step with the package version.</summary>
    public const string Version = "0.1.0";
}
