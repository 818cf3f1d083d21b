using System.ComponentModel;

namespace Resident.Hosting;

/// <summary>
/// The manifests of every loaded assembly that declares Resident types. Generated manifests add themselves
/// from a module initializer, so nothing is discovered by scanning or reflection.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ResidentManifests
{
    private static readonly Lock Gate = new();
    private static IResidentManifest[] s_all = [];

    /// <summary>The manifests registered so far, in registration order.</summary>
    public static IReadOnlyList<IResidentManifest> All => Volatile.Read(ref s_all);

    /// <summary>Registers a generated manifest. Called by generated code; a second registration of the same assembly is ignored.</summary>
    public static void Register(IResidentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        lock (Gate)
        {
            foreach (var existing in s_all)
            {
                if (string.Equals(existing.AssemblyName, manifest.AssemblyName, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Volatile.Write(ref s_all, [.. s_all, manifest]);
        }
    }
}
