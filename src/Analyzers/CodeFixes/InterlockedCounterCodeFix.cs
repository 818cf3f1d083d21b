using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using Resident.Analyzers.Leaks;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Resident.Analyzers.CodeFixes;

/// <summary>RES001/RES004 on a shared counter: <c>x++;</c>, <c>x--;</c>, <c>x += n;</c> become Interlocked calls.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InterlockedCounterCodeFix)), Shared]
public sealed class InterlockedCounterCodeFix : CodeFixProvider
{
    private const string Title = "Update the counter with Interlocked";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Rules.StaticWrittenFromRequest.Id, Rules.HandlerFieldWritten.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(LeakCollector.FixProperty, out var fix) || fix != LeakCollector.FixInterlocked
                || root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax update
                || Rewrite(update) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, token => ApplyAsync(context.Document, update, token), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> ApplyAsync(Document document, ExpressionSyntax update, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var replacement = Rewrite(update)!.WithTriviaFrom(update);
        return document.WithSyntaxRoot(root!.ReplaceNode(update, replacement));
    }

    /// <summary>The Interlocked call for the update, or null when it is not a plain counter update.</summary>
    private static InvocationExpressionSyntax? Rewrite(ExpressionSyntax update)
    {
        var (target, method, amount) = update switch
        {
            PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression } post => (post.Operand, "Increment", null),
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression } pre => (pre.Operand, "Increment", null),
            PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostDecrementExpression } post => (post.Operand, "Decrement", null),
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreDecrementExpression } pre => (pre.Operand, "Decrement", null),
            AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.AddAssignmentExpression } add => Amount(add, negate: false),
            AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SubtractAssignmentExpression } subtract => Amount(subtract, negate: true),
            _ => ((ExpressionSyntax?)null, "", (ExpressionSyntax?)null),
        };
        if (target is null)
        {
            return null;
        }

        var arguments = SeparatedList(new[] { Argument(target.WithoutTrivia()).WithRefKindKeyword(Token(SyntaxKind.RefKeyword)) });
        if (amount is not null)
        {
            arguments = arguments.Add(Argument(amount));
        }

        var interlocked = ParseExpression("global::System.Threading.Interlocked").WithAdditionalAnnotations(Simplifier.Annotation);
        return InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, interlocked, IdentifierName(method)), ArgumentList(arguments));
    }

    private static (ExpressionSyntax? Target, string Method, ExpressionSyntax? Amount) Amount(AssignmentExpressionSyntax assignment, bool negate)
    {
        var value = assignment.Right.WithoutTrivia();
        if (value is LiteralExpressionSyntax { Token.ValueText: "1" })
        {
            return (assignment.Left, negate ? "Decrement" : "Increment", null);
        }

        var amount = negate
            ? PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, value is LiteralExpressionSyntax or IdentifierNameSyntax ? value : ParenthesizedExpression(value))
            : value;
        return (assignment.Left, "Add", amount);
    }
}
