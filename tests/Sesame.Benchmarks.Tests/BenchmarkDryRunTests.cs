using BenchmarkDotNet.Loggers;
using Sesame.Benchmarks;

// The suites share process-wide state (BenchmarkDotNet's console, the benchmark profile): one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Sesame.Benchmarks.Tests;

/// <summary>
/// The benchmarks are not timed tests: each one runs once in BenchmarkDotNet's Dry job (or with tiny durations for the load
/// drivers) against the same real servers it measures, so a change that breaks a benchmark fails CI instead of rotting unseen.
/// </summary>
public sealed class BenchmarkDryRunTests : IDisposable
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

    [Theory]
    [InlineData(typeof(ClientOverheadBenchmarks), "10-client-overhead.md", 8)]
    [InlineData(typeof(RefreshStormBenchmarks), "20-refresh-storm.md", 6)]
    [InlineData(typeof(VerificationBenchmarks), "30-verification.md", 3)]
    [InlineData(typeof(PipelineBenchmarks), "35-pipeline.md", 7)]
    public void BenchmarkDotNet_suite_completes_a_dry_run_and_writes_its_section(Type suite, string section, int benchmarks)
    {
        var summaries = BdnSuite.Run(BenchProfile.Dry, _output, [suite], NullLogger.Instance);

        var summary = Assert.Single(summaries);
        Assert.Equal(benchmarks, summary.Reports.Length);
        Assert.All(summary.Reports, report => Assert.True(report.Success, report.BenchmarkCase.DisplayInfo));
        Assert.All(summary.Reports, report => Assert.NotNull(report.ResultStatistics));
        Assert.Contains("×", File.ReadAllText(Path.Combine(_output, section)), StringComparison.Ordinal);
    }

    [Fact]
    public void Handler_overhead_suite_completes_a_dry_run_and_writes_its_section_and_headline()
    {
        var summaries = BdnSuite.Run(BenchProfile.Dry, _output, [typeof(HandlerOverheadBenchmarks)], NullLogger.Instance);

        var summary = Assert.Single(summaries);
        Assert.Equal(6, summary.Reports.Length);
        Assert.All(summary.Reports, report => Assert.True(report.Success, report.BenchmarkCase.DisplayInfo));
        Assert.All(summary.Reports, report => Assert.NotNull(report.ResultStatistics));
        Assert.Contains("| GET | Sesame SessionHandler |", File.ReadAllText(Path.Combine(_output, "15-handler-overhead.md")), StringComparison.Ordinal);
        var headline = File.ReadAllText(Path.Combine(_output, "15-handler-overhead.headline"));
        Assert.Contains("Session handler GET, in process:", headline, StringComparison.Ordinal);
        Assert.Contains("Session handler POST, in process:", headline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_load_dry_run_loads_every_server_with_wrk_and_writes_ratios()
    {
        using var log = new StringWriter();

        await ServerLoad.RunAsync(BenchProfile.Dry, _output, nodeUrl: null, log, TestContext.Current.CancellationToken);

        var section = File.ReadAllText(Path.Combine(_output, "40-server-throughput.md"));
        Assert.Contains("| unprotected |", section, StringComparison.Ordinal);
        Assert.Contains("| Sesame |", section, StringComparison.Ordinal);
        Assert.Contains("| JwtBearer |", section, StringComparison.Ordinal);
        Assert.Contains("| framework floor |", section, StringComparison.Ordinal);
        Assert.Contains("Sesame-protected endpoint", File.ReadAllText(Path.Combine(_output, "40-server-throughput.headline")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_load_dry_run_refreshes_without_failures_on_SQLite_and_PostgreSQL()
    {
        var postgreSql = Environment.GetEnvironmentVariable("SESAME_TEST_POSTGRES");
        Assert.False(string.IsNullOrWhiteSpace(postgreSql),
            "SESAME_TEST_POSTGRES is not set: start the private instance with `bash build/services/postgres.sh start` and export the line it prints, or run `bash build/test.sh`.");
        using var log = new StringWriter();

        var cells = await RefreshLoad.RunAsync(BenchProfile.Dry, _output, postgreSql, log, TestContext.Current.CancellationToken);

        Assert.Equal(["SQLite", "PostgreSQL"], cells.Select(c => c.Store).Distinct());
        Assert.All(cells, cell => Assert.True(cell.RefreshesPerSecond > 0 && cell.Failures == 0, cell.ToString()));
        Assert.All(cells, cell => Assert.True(cell.StoredSessions >= 100, cell.ToString()));
        Assert.True(File.Exists(Path.Combine(_output, "50-refresh-throughput.md")));
    }

    [Fact]
    public void Report_joins_the_sections_with_machine_and_command()
    {
        Directory.CreateDirectory(_output);
        File.WriteAllText(Path.Combine(_output, "10-a.md"), "## A\n\n| x | 1.00× |\n");
        File.WriteAllText(Path.Combine(_output, "10-a.headline"), "- A: 1.00×\n");
        var document = Path.Combine(_output, "doc", "benchmarks.md");

        Report.Write(_output, document, "bench/run --quick");

        var text = File.ReadAllText(document);
        Assert.Contains("- CPU: ", text, StringComparison.Ordinal);
        Assert.Contains("`bench/run --quick`", text, StringComparison.Ordinal);
        Assert.Contains("## Headline ratios", text, StringComparison.Ordinal);
        Assert.Contains("| x | 1.00× |", text, StringComparison.Ordinal);
    }
}
