using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>Every diagnostic Resident reports links, by an absolute URL, to a help page that exists in the repository.</summary>
public sealed class RuleCatalogueTests
{
    private static readonly Assembly AnalyzerAssembly = typeof(DeclarationShapeAnalyzer).Assembly;

    /// <summary>Every descriptor in <see cref="Rules"/> and every one an analyzer of the assembly supports.</summary>
    public static TheoryData<string> DescriptorIds => new(AllDescriptors().Select(descriptor => descriptor.Id).Distinct());

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void Descriptor_has_an_absolute_help_link_to_an_existing_page(string id)
    {
        var descriptor = AllDescriptors().First(candidate => candidate.Id == id);

        Assert.False(string.IsNullOrWhiteSpace(descriptor.HelpLinkUri), $"{id} has no help link.");
        Assert.True(Uri.TryCreate(descriptor.HelpLinkUri, UriKind.Absolute, out var link) && link.Scheme == Uri.UriSchemeHttps, $"{id} links to {descriptor.HelpLinkUri}, which is not an absolute https URL.");
        Assert.Equal(Rules.HelpRoot + id + ".md", descriptor.HelpLinkUri);
        Assert.StartsWith(Resident.Generators.Diagnostics.HelpLinks.RepositoryUrl + "/", descriptor.HelpLinkUri, StringComparison.Ordinal);

        // The URL's path below the repository's main branch is the page's path in this repository.
        var page = Path.Combine(RepositoryRoot(), "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"{id} links to {descriptor.HelpLinkUri}, which is not in the repository ({page}).");
        Assert.Contains($"# {id}", File.ReadAllText(page), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_catalogued_rule_is_reported_by_an_analyzer_or_the_generator()
    {
        var supported = Analyzers().SelectMany(analyzer => analyzer.SupportedDiagnostics).Select(descriptor => descriptor.Id).ToHashSet();
        supported.Add(Resident.Generators.Diagnostics.GeneratorDiagnostics.GeneratorFailed.Id); // ManifestGenerator reports RESG001.

        Assert.NotEmpty(supported);
        Assert.All(CataloguedDescriptors(), descriptor => Assert.Contains(descriptor.Id, supported));
    }

    [Fact]
    public void Every_rule_is_a_configurable_warning_tracked_in_the_release_files()
    {
        var root = RepositoryRoot();
        var releases = File.ReadAllText(Path.Combine(root, "src/Analyzers/AnalyzerReleases.Shipped.md"))
                       + File.ReadAllText(Path.Combine(root, "src/Analyzers/AnalyzerReleases.Unshipped.md"));

        Assert.All(CataloguedDescriptors(), descriptor =>
        {
            Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
            Assert.True(descriptor.IsEnabledByDefault, $"{descriptor.Id} is disabled by default.");
            // .editorconfig (dotnet_diagnostic.RESxxx.severity) cannot change a NotConfigurable rule.
            Assert.DoesNotContain(WellKnownDiagnosticTags.NotConfigurable, descriptor.CustomTags);
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | Warning |", releases, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_help_page_belongs_to_a_catalogued_rule()
    {
        var ids = CataloguedDescriptors().Select(descriptor => descriptor.Id).ToHashSet();
        var pages = Directory.GetFiles(Path.Combine(RepositoryRoot(), "docs", "rules"), "RES*.md").Select(Path.GetFileNameWithoutExtension);

        Assert.All(pages, page => Assert.Contains(page!, ids));
    }

    [Fact]
    public void Every_code_fix_fixes_catalogued_rules()
    {
        var ids = CataloguedDescriptors().Select(descriptor => descriptor.Id).ToHashSet();
        var fixes = typeof(CodeFixes.AwaitDelayCodeFix).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(type))
            .Select(type => (Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider)Activator.CreateInstance(type)!)
            .ToList();

        Assert.NotEmpty(fixes);
        Assert.All(fixes.SelectMany(fix => fix.FixableDiagnosticIds), id => Assert.Contains(id, ids));
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        CataloguedDescriptors().Concat(Analyzers().SelectMany(analyzer => analyzer.SupportedDiagnostics));

    private static IEnumerable<DiagnosticDescriptor> CataloguedDescriptors() =>
        typeof(Rules).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!);

    private static IEnumerable<DiagnosticAnalyzer> Analyzers() =>
        AnalyzerAssembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!);

    private static string RepositoryRoot() => Infrastructure.Repository.Root;
}
