using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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

/// <summary>
/// RES005 on <c>Thread.Sleep(x);</c> in async code: <c>await Task.Delay(x);</c>. A task-returning method that is not
/// <c>async</c> yet becomes one, its <c>return Task.CompletedTask;</c> and <c>return Task.FromResult(v);</c> rewritten.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitDelayCodeFix)), Shared]
public sealed class AwaitDelayCodeFix : CodeFixProvider
{
    private const string Title = "Use await Task.Delay";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Rules.ProcessOrThreadBlocked.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.TryGetValue(LeakCollector.FixProperty, out var fix) && fix == LeakCollector.FixDelay
                && root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax
                {
                    Parent: ExpressionStatementSyntax statement,
                } sleep
                && Function(statement) is { } function
                && (IsAsync(function) || ReturnsToRewrite(function) is not null))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, token => ApplyAsync(context.Document, sleep, token), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> ApplyAsync(Document document, InvocationExpressionSyntax sleep, CancellationToken cancellationToken)
    {
        var root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var function = Function(sleep)!;
        var editor = new Dictionary<SyntaxNode, SyntaxNode>();
        var task = ParseExpression("global::System.Threading.Tasks.Task").WithAdditionalAnnotations(Simplifier.Annotation);
        var delay = AwaitExpression(InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, task, IdentifierName("Delay")), sleep.ArgumentList));
        editor[sleep] = delay.WithTriviaFrom(sleep);

        if (!IsAsync(function))
        {
            foreach (var statement in ReturnsToRewrite(function)!)
            {
                editor[statement] = statement.Expression is InvocationExpressionSyntax { ArgumentList.Arguments: [var value] }
                    ? statement.WithExpression(value.Expression.WithoutLeadingTrivia())
                    : ReturnStatement().WithTriviaFrom(statement);
            }
        }

        var newFunction = function.ReplaceNodes(editor.Keys, (original, _) => editor[original]);
        if (!IsAsync(function))
        {
            newFunction = MakeAsync(newFunction);
        }

        return document.WithSyntaxRoot(root.ReplaceNode(function, newFunction));
    }

    private static SyntaxNode? Function(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(ancestor => ancestor is MethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);

    private static bool IsAsync(SyntaxNode function) => function switch
    {
        MethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
        LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
        AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
        _ => false,
    };

    /// <summary>
    /// The returns of a task-returning method with a block body when each is <c>Task.CompletedTask</c>,
    /// <c>ValueTask.CompletedTask</c>, <c>default</c> or <c>Task.FromResult(v)</c>/<c>ValueTask.FromResult(v)</c>; else null.
    /// </summary>
    private static List<ReturnStatementSyntax>? ReturnsToRewrite(SyntaxNode function)
    {
        var body = function switch
        {
            MethodDeclarationSyntax method => method.Body,
            LocalFunctionStatementSyntax local => local.Body,
            _ => null,
        };
        if (body is null)
        {
            return null;
        }

        var returns = new List<ReturnStatementSyntax>();
        foreach (var statement in body.DescendantNodes(node => node == body || !(node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<ReturnStatementSyntax>())
        {
            var text = statement.Expression switch
            {
                MemberAccessExpressionSyntax member => member.ToString(),
                InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member, ArgumentList.Arguments.Count: 1 } => member.Name is GenericNameSyntax generic
                    ? member.Expression + "." + generic.Identifier.ValueText
                    : member.ToString(),
                LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } => "default",
                _ => null,
            };
            if (text is not ("Task.CompletedTask" or "ValueTask.CompletedTask" or "default" or "Task.FromResult" or "ValueTask.FromResult"))
            {
                return null;
            }

            returns.Add(statement);
        }

        return returns;
    }

    private static SyntaxNode MakeAsync(SyntaxNode function)
    {
        var asyncKeyword = Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space);
        switch (function)
        {
            case MethodDeclarationSyntax method:
                return method.Modifiers.Count == 0
                    ? method.WithReturnType(method.ReturnType.WithoutLeadingTrivia())
                        .WithModifiers(TokenList(asyncKeyword.WithLeadingTrivia(method.ReturnType.GetLeadingTrivia())))
                    : method.WithModifiers(method.Modifiers.Add(asyncKeyword));
            case LocalFunctionStatementSyntax local:
                return local.Modifiers.Count == 0
                    ? local.WithReturnType(local.ReturnType.WithoutLeadingTrivia())
                        .WithModifiers(TokenList(asyncKeyword.WithLeadingTrivia(local.ReturnType.GetLeadingTrivia())))
                    : local.WithModifiers(local.Modifiers.Add(asyncKeyword));
            default:
                return function;
        }
    }
}
