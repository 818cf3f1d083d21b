using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.AspNetCore.Http;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Resident.Generators.Tests.Infrastructure;
using Resident.Hosting;
using Resident.TestSupport;
using Xunit;

namespace Resident.Generators.Tests;

/// <summary>
/// Compiles an app with its generated manifest, loads it, and runs what the manifest describes: the module
/// initializer registers the manifest and the factories build the declared classes with their dependencies.
/// </summary>
public sealed partial class GeneratedCodeBehaviourTests
{
    private const string App = """
        using System.Collections.Generic;

        namespace BehaviourApp;

        public sealed class NeverRegistered;

        [Cleaner(Order = 2)]
        public sealed class AlphaCleaner(List<string> journal) : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context)
            {
                journal.Add("Alpha");
                return default;
            }
        }

        [Cleaner(Order = 1)]
        public sealed class ZuluCleaner(List<string> journal) : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context)
            {
                journal.Add("Zulu");
                return default;
            }
        }

        [Cleaner(Order = 1)]
        public sealed class BravoCleaner(List<string> journal, IServiceProvider services, NeverRegistered? missing = null) : ICleaner
        {
            public ValueTask CleanAsync(HttpContext context)
            {
                journal.Add($"Bravo(services: {services.GetService(typeof(List<string>)) == journal}, missing: {missing is null})");
                return default;
            }
        }

        [LifecycleHook(LifecycleEvent.WorkerStart)]
        [LifecycleHook(LifecycleEvent.ServerStop, Order = -1)]
        public sealed class JournalHook(List<string> journal) : ILifecycleHook
        {
            public ValueTask OnLifecycleEventAsync(LifecycleEventContext context, CancellationToken cancellationToken)
            {
                journal.Add($"Hook({context.Event})");
                return default;
            }
        }

        [RequestHook(Order = 7)]
        public sealed class Stamp(List<string> journal) : IRequestReceivedHook, IResponseGeneratedHook
        {
            public ValueTask OnRequestReceivedAsync(HttpContext context)
            {
                journal.Add("Received");
                return default;
            }

            public ValueTask OnResponseGeneratedAsync(HttpContext context)
            {
                journal.Add("Generated");
                return default;
            }
        }
        """;

    [Fact]
    public async Task Generated_manifest_registers_itself_and_its_factories_inject_dependencies_in_declared_order()
    {
        // A unique name: registration is process-wide and ignores a second manifest of the same assembly.
        var assemblyName = "BehaviourApp" + Guid.NewGuid().ToString("N");
        var outcome = GeneratorHarness.Run(TestReferences.Compile([App], assemblyName: assemblyName));
        Assert.Empty(outcome.Result.Diagnostics);

        var context = new IsolatedLoadContext();
        try
        {
            var assembly = Load(outcome.Output, context);
            Assert.DoesNotContain(ResidentManifests.All, manifest => manifest.AssemblyName == assemblyName);

            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);

            var manifest = Assert.Single(ResidentManifests.All, candidate => candidate.AssemblyName == assemblyName);
            var builder = new ResidentManifestBuilder();
            manifest.Describe(builder);
            var declarations = builder.Build();

            var journal = new List<string>();
            using var services = new ServiceCollection().AddSingleton(journal).BuildServiceProvider();
            var http = new DefaultHttpContext();

            // Order, then full name.
            Assert.Equal(
                ["BehaviourApp.BravoCleaner:1", "BehaviourApp.ZuluCleaner:1", "BehaviourApp.AlphaCleaner:2"],
                declarations.Cleaners.Select(cleaner => $"{cleaner.Name}:{cleaner.Order}"));
            foreach (var cleaner in declarations.Cleaners)
            {
                await cleaner.Factory(services).CleanAsync(http);
            }

            Assert.Equal(["Bravo(services: True, missing: True)", "Zulu", "Alpha"], journal);

            journal.Clear();
            Assert.Equal(
                [(LifecycleEvent.ServerStop, -1), (LifecycleEvent.WorkerStart, 0)],
                declarations.LifecycleHooks.Select(hook => (hook.Event, hook.Declaration.Order)));
            foreach (var hook in declarations.LifecycleHooks)
            {
                var eventContext = new LifecycleEventContext(hook.Event, new UnusedServer(), services);
                await hook.Declaration.Factory(services).OnLifecycleEventAsync(eventContext, CancellationToken.None);
            }

            await Assert.Single(declarations.RequestReceivedHooks).Factory(services).OnRequestReceivedAsync(http);
            await Assert.Single(declarations.ResponseGeneratedHooks).Factory(services).OnResponseGeneratedAsync(http);
            Assert.Equal(["Hook(ServerStop)", "Hook(WorkerStart)", "Received", "Generated"], journal);
            Assert.Equal(7, declarations.ResponseGeneratedHooks[0].Order);

            // The factory asks for required services: without the journal it fails as DI would.
            using var empty = new ServiceCollection().BuildServiceProvider();
            Assert.Throws<InvalidOperationException>(() => declarations.Cleaners[0].Factory(empty));
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void Generated_WebSocket_declarations_pass_each_path_verbatim_and_build_the_handler_with_its_dependencies()
    {
        // Every character a C# literal must escape, plus an emoji (a surrogate pair) and a lone surrogate, which
        // only the generated code (not the attribute's metadata blob) can carry through unchanged.
        const string app = """
            using System.Collections.Generic;

            namespace SocketApp;

            [WebSocketHandler("/say \"hi\"\\C:\\temp\nline\r\t\0\u0001\u0085\u2028\u2029\ud800 😀 é", SubProtocols = new[] { "v\"1\\", "line\nbreak" })]
            [WebSocketHandler("/plain")]
            public sealed class QuotingHandler : IWebSocketHandler
            {
                public QuotingHandler(List<string> journal, IServiceProvider services) => journal.Add($"QuotingHandler(services: {services.GetService(typeof(List<string>)) == journal})");

                public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;
            }
            """;
        const string quotedPath = "/say \"hi\"\\C:\\temp\nline\r\t\0\u0001\u0085\u2028\u2029\ud800 \U0001F600 \u00e9";

        var assemblyName = "SocketApp" + Guid.NewGuid().ToString("N");
        var outcome = GeneratorHarness.Run(TestReferences.Compile([app], assemblyName: assemblyName));
        Assert.Null(outcome.Result.Exception);
        Assert.Empty(outcome.Result.Diagnostics);
        Assert.Empty(outcome.ErrorsInGeneratedCode);

        var context = new IsolatedLoadContext();
        try
        {
            var assembly = Load(outcome.Output, context);
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);

            var manifest = Assert.Single(ResidentManifests.All, candidate => candidate.AssemblyName == assemblyName);
            var builder = new ResidentManifestBuilder();
            manifest.Describe(builder);
            var handlers = builder.Build().WebSocketHandlers;

            // Build orders by path (ordinal): "/plain" before "/say …".
            Assert.Equal(["/plain", quotedPath], handlers.Select(handler => handler.Path));
            Assert.All(handlers, handler => Assert.Equal("SocketApp.QuotingHandler", handler.Name));
            Assert.Empty(handlers[0].SubProtocols);
            Assert.Equal(["v\"1\\", "line\nbreak"], handlers[1].SubProtocols);

            var journal = new List<string>();
            using var services = new ServiceCollection().AddSingleton(journal).BuildServiceProvider();
            var handler = handlers[1].Factory(services);
            Assert.Equal("SocketApp.QuotingHandler", handler.GetType().FullName);
            Assert.Equal(["QuotingHandler(services: True)"], journal);

            using var empty = new ServiceCollection().BuildServiceProvider();
            Assert.Throws<InvalidOperationException>(() => handlers[0].Factory(empty));
        }
        finally
        {
            context.Unload();
        }
    }

    private static Assembly Load(Compilation compilation, AssemblyLoadContext context)
    {
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(emitted.Success && errors.Count == 0, string.Join(Environment.NewLine, errors));
        image.Position = 0;
        return context.LoadFromStream(image);
    }

    /// <summary>
    /// Holds only the compiled app. Every dependency (Resident, ASP.NET Core, the BCL) comes from the default
    /// context, so the app's manifest registers with the same <see cref="ResidentManifests"/> the test reads.
    /// </summary>
    private sealed class IsolatedLoadContext() : AssemblyLoadContext(nameof(GeneratedCodeBehaviourTests), isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }

    /// <summary>The hook under test reads only the event, never the server.</summary>
    private sealed class UnusedServer : IResidentServer
    {
        public DateTimeOffset StartTime => throw new NotSupportedException();
        public int ProcessId => throw new NotSupportedException();
        public int WorkerId => throw new NotSupportedException();
        public string? Version => throw new NotSupportedException();
        public long RequestCount => throw new NotSupportedException();
        public long ActiveConnections => throw new NotSupportedException();
        public IReadOnlyList<string> ListenAddresses => throw new NotSupportedException();
        public ResidentOptions Options => throw new NotSupportedException();
        public IWebSocketServer WebSockets => throw new NotSupportedException();
        public ITaskQueue Tasks => throw new NotSupportedException();
        public IEventDispatcher Events => throw new NotSupportedException();
        public IReadOnlyList<ICronJobInfo> CronJobs => throw new NotSupportedException();
        public ICustomProcesses Processes => throw new NotSupportedException();
        public ISocketPorts Sockets => throw new NotSupportedException();
        public SwooleTables Tables => throw new NotSupportedException();
    }
}
