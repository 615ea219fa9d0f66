using Sesame.Benchmarks;

namespace Sesame.Benchmarks.Tests;

/// <summary>
/// The ASP.NET Core Identity comparison (bench/run --identity) in its dry profile against its real servers, and the splice that puts its
/// section into an existing docs/benchmarks.md.
/// </summary>
public sealed class IdentityLoadDryRunTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "sesame-bench-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_output, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task Identity_load_dry_run_loads_both_Identity_servers_refreshes_without_failures_and_writes_the_ratio()
    {
        using var log = new StringWriter();

        var figures = await IdentityLoad.RunAsync(BenchProfile.Dry, _output, log, TestContext.Current.CancellationToken);

        Assert.True(figures.SesameGet.Requests > 0 && figures.SesameGet.Non2xx == 0, figures.SesameGet.ToString());
        Assert.True(figures.IdentityGet.Requests > 0 && figures.IdentityGet.Non2xx == 0, figures.IdentityGet.ToString());
        Assert.All(figures.Refresh.Values, cell =>
        {
            Assert.True(cell.Sesame.RefreshesPerSecond > 0 && cell.Sesame.Failures == 0, cell.Sesame.ToString());
            Assert.True(cell.Identity.RefreshesPerSecond > 0 && cell.Identity.Failures == 0, cell.Identity.ToString());
        });
        var section = File.ReadAllText(Path.Combine(_output, "45-identity.md"));
        Assert.Contains("| protected GET, requests/s (p50) |", section, StringComparison.Ordinal);
        Assert.Contains("Sesame ÷ MapIdentityApi", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Splice_replaces_the_section_under_its_heading_and_the_headline_with_its_label_leaving_the_rest()
    {
        Directory.CreateDirectory(Path.Combine(_output, "doc"));
        var document = Path.Combine(_output, "doc", "benchmarks.md");
        File.WriteAllText(document, "# Benchmarks\n\n## Headline ratios\n\n- Server: 1.00×\n- Identity: old\n\n## A\n\nold a\n\n## B\n\nb stays\n");
        File.WriteAllText(Path.Combine(_output, "45-a.md"), "## A\n\nnew a\n");
        File.WriteAllText(Path.Combine(_output, "45-a.headline"), "- Identity: new\n");

        SectionSplice.Write(_output, document, "bench/run --identity");

        var text = File.ReadAllText(document);
        Assert.Contains("- Server: 1.00×\n- Identity: new\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("old", text, StringComparison.Ordinal);
        Assert.Contains("## A\n\nMeasured by `bench/run --identity`", text, StringComparison.Ordinal);
        Assert.Contains("new a\n\n## B\n\nb stays\n", text, StringComparison.Ordinal);
    }
}
