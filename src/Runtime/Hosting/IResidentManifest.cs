using System.ComponentModel;

namespace Resident.Hosting;

/// <summary>
/// The compile-time list of one assembly's Resident declarations. Implemented only by the code that
/// Resident.Generators emits (one <c>ResidentManifest</c> per assembly); apps never implement it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IResidentManifest
{
    /// <summary>The name of the assembly whose declarations this manifest lists.</summary>
    string AssemblyName { get; }

    /// <summary>Adds every declaration of the assembly, each with its generated factory, to <paramref name="builder"/>.</summary>
    void Describe(ResidentManifestBuilder builder);
}
