using System.Threading;
using Microsoft.CodeAnalysis;
using Resident.Generators.Declarations.Cleaners;
using Resident.Generators.Declarations.CronJobs;
using Resident.Generators.Declarations.Events;
using Resident.Generators.Declarations.LifecycleHooks;
using Resident.Generators.Declarations.Processes;
using Resident.Generators.Declarations.RequestHooks;
using Resident.Generators.Declarations.Sockets;
using Resident.Generators.Declarations.Tasks;
using Resident.Generators.Declarations.WebSockets;

namespace Resident.Generators.Declarations;

/// <summary>Reads one attribute of a class into its declaration (null: nothing to list; the compiler reports why).</summary>
internal delegate DeclarationSpec? ReadDeclaration(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken);

/// <summary>One kind of class declaration: its attribute (metadata name and short name), its tracked step and its reader.</summary>
internal sealed class DeclarationKind
{
    public DeclarationKind(string attribute, string shortName, string step, ReadDeclaration read)
    {
        Attribute = attribute;
        ShortName = shortName;
        Step = step;
        Read = read;
    }

    public string Attribute { get; }

    public string ShortName { get; }

    public string Step { get; }

    public ReadDeclaration Read { get; }
}

/// <summary>
/// The registry of class declaration kinds, shared by the generator (one pipeline each) and the analyzers (which
/// report each kind's problems). Adding a kind: its folder under <c>Declarations/</c> and one line here.
/// </summary>
internal static class DeclarationKinds
{
    public static readonly DeclarationKind[] All =
    {
        new(KnownNames.CleanerAttribute, CleanerDeclaration.Attribute, CleanerDeclaration.Step, CleanerDeclaration.Read),
        new(KnownNames.LifecycleHookAttribute, LifecycleHookDeclaration.Attribute, LifecycleHookDeclaration.Step, LifecycleHookDeclaration.Read),
        new(KnownNames.RequestHookAttribute, RequestHookDeclaration.Attribute, RequestHookDeclaration.Step, RequestHookDeclaration.Read),
        new(KnownNames.WebSocketHandlerAttribute, WebSocketHandlerDeclaration.Attribute, WebSocketHandlerDeclaration.Step, WebSocketHandlerDeclaration.Read),
        new(KnownNames.BackgroundTaskAttribute, BackgroundTaskDeclaration.Attribute, BackgroundTaskDeclaration.Step, BackgroundTaskDeclaration.Read),
        new(KnownNames.AsyncEventAttribute, AsyncEventDeclaration.Attribute, AsyncEventDeclaration.Step, AsyncEventDeclaration.Read),
        new(KnownNames.EventListenerAttribute, EventListenerDeclaration.Attribute, EventListenerDeclaration.Step, EventListenerDeclaration.Read),
        new(KnownNames.CronJobAttribute, CronJobDeclaration.Attribute, CronJobDeclaration.Step, CronJobDeclaration.Read),
        new(KnownNames.CustomProcessAttribute, CustomProcessDeclaration.Attribute, CustomProcessDeclaration.Step, CustomProcessDeclaration.Read),
        new(KnownNames.SocketHandlerAttribute, SocketHandlerDeclaration.Attribute, SocketHandlerDeclaration.Step, SocketHandlerDeclaration.Read),
    };
}
