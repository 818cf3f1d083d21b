using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Resident.TestSupport;

namespace Resident.Analyzers.Tests.Infrastructure;

/// <summary>
/// The testing library's analyzer test for <see cref="AttributeMisuseAnalyzer"/>, set up like a Resident app (local
/// framework references, the Resident runtime, nullable enabled). A compiler error in the source fails the test.
/// </summary>
internal sealed class MisuseAnalyzerTest : CSharpAnalyzerTest<AttributeMisuseAnalyzer, DefaultVerifier>
{
    public const string CronBody = "public ValueTask RunAsync(CronJobContext context) => default;";
    public const string ProcessBody = "public Task RunAsync(CustomProcessContext context) => Task.CompletedTask;";
    public const string TcpBody = "public ValueTask OnReceiveAsync(ITcpConnection connection, System.Buffers.ReadOnlySequence<byte> message) => default;";
    public const string TaskBody = "public ValueTask HandleAsync(TaskContext context) => default;";
    public const string SocketBody = "public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => default;";

    public MisuseAnalyzerTest(string source, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = TestReferences.NoPackages;
        TestState.AdditionalReferences.AddRange(TestReferences.WithResident);
        TestState.Sources.Add(("GlobalUsings.cs", TestReferences.GlobalUsings));
        TestState.Sources.Add(("Source.cs", source));
        ExpectedDiagnostics.AddRange(expected);
    }

    /// <summary>Adds another source file, named so that files sort in the order they are added.</summary>
    public MisuseAnalyzerTest WithSource(string source)
    {
        TestState.Sources.Add(($"Source{TestState.Sources.Count}.cs", source));
        return this;
    }

    /// <summary>Compiles without Resident.dll, as a project that does not use Resident would.</summary>
    public MisuseAnalyzerTest WithoutResidentRuntime()
    {
        TestState.AdditionalReferences.Remove(TestReferences.Resident);
        TestState.Sources.RemoveAt(0); // The global usings name the Resident namespace.
        return this;
    }

    /// <summary><paramref name="descriptor"/> at markup location <paramref name="markupKey"/> with the message arguments.</summary>
    public static DiagnosticResult At(DiagnosticDescriptor descriptor, int markupKey, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(markupKey).WithArguments(arguments);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    protected override ParseOptions CreateParseOptions() => TestReferences.ParseOptions;
}
