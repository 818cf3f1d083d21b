using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Resident.Generators.Tests.Infrastructure;

/// <summary>
/// Walks an object graph through every instance field (and the items of every enumerable) to find Roslyn objects
/// that would root a compilation in the incremental cache.
/// </summary>
internal sealed class ObjectGraph
{
    private static readonly Type[] RoslynTypes =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Compilation), typeof(Location)];

    private readonly HashSet<object> _visited = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _roslynObjects = [];
    private readonly HashSet<Type> _typesSeen = [];

    /// <summary>Paths (e.g. <c>root.Factory.Arguments[0]</c>) at which a Roslyn object was found.</summary>
    public IReadOnlyList<string> RoslynObjects => _roslynObjects;

    /// <summary>Every type met during the walk.</summary>
    public IReadOnlySet<Type> TypesSeen => _typesSeen;

    public ObjectGraph Walk(object? value, string path)
    {
        if (value is null)
        {
            return this;
        }

        var type = value.GetType();
        _typesSeen.Add(type);
        if (RoslynTypes.FirstOrDefault(roslynType => roslynType.IsInstanceOfType(value)) is { } found)
        {
            _roslynObjects.Add($"{path}: {found.Name} ({type.FullName})");
            return this;
        }

        // Leaves: they cannot hold a Roslyn object, and reflection objects would lead the walk into the runtime.
        if (type.IsPrimitive || type.IsEnum || value is string or decimal or MemberInfo or Pointer)
        {
            return this;
        }

        if (!type.IsValueType && !_visited.Add(value))
        {
            return this;
        }

        if (value is IEnumerable items && !IsDefaultImmutableArray(value, type))
        {
            var index = 0;
            foreach (var item in items)
            {
                Walk(item, $"{path}[{index++}]");
            }
        }

        for (var declaring = type; declaring is not null; declaring = declaring.BaseType)
        {
            foreach (var field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (!field.FieldType.IsPointer && !field.FieldType.IsByRefLike)
                {
                    Walk(field.GetValue(value), $"{path}.{field.Name}");
                }
            }
        }

        return this;
    }

    // A default ImmutableArray<T> throws when enumerated.
    private static bool IsDefaultImmutableArray(object value, Type type) =>
        type.IsGenericType
        && type.GetGenericTypeDefinition() == typeof(System.Collections.Immutable.ImmutableArray<>)
        && (bool)type.GetProperty(nameof(System.Collections.Immutable.ImmutableArray<int>.IsDefault))!.GetValue(value)!;
}
