using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Resident.Analyzers.Leaks;

namespace Resident.Analyzers.CodeFixes;

/// <summary>RES003: <c>AddSingleton&lt;T&gt;()</c> of a type that keeps request state becomes <c>AddScoped&lt;T&gt;()</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ScopedRegistrationCodeFix)), Shared]
public sealed class ScopedRegistrationCodeFix : CodeFixProvider
{
    private const string Title = "Register as scoped";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rules.CaptiveRequestState.Id);

    // Several fields of one type point at the same registration; fixing one fixes them all.
    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            // The registration is the diagnostic's additional location; only offered when it is in the same document.
            if (diagnostic.Properties.TryGetValue(LeakCollector.FixProperty, out var fix) && fix == LeakCollector.FixScoped
                && diagnostic.AdditionalLocations.Count > 0
                && diagnostic.AdditionalLocations[0].SourceTree == diagnostic.Location.SourceTree)
            {
                var registration = diagnostic.AdditionalLocations[0];
                context.RegisterCodeFix(
                    CodeAction.Create(Title, token => ApplyAsync(context.Document, registration, token), equivalenceKey: Title),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    private static async Task<Document> ApplyAsync(Document document, Location registration, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(registration.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax
            {
                Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax name }
            })
        {
            return document;
        }

        var scoped = name.WithIdentifier(SyntaxFactory.Identifier("AddScoped").WithTriviaFrom(name.Identifier));
        return document.WithSyntaxRoot(root.ReplaceNode(name, scoped));
    }
}
