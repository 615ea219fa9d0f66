using System.Globalization;
using System.Text;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Sesame.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet classes in this process (the servers they measure against are separate processes) and writes one
/// markdown section per class, with ratios to the baseline of the same run.
/// </summary>
public static class BdnSuite
{
    /// <summary>The suites in run order.</summary>
    public static readonly Type[] Suites = [typeof(ClientOverheadBenchmarks), typeof(RefreshStormBenchmarks), typeof(VerificationBenchmarks)];

    /// <summary>Runs <paramref name="suites"/> (all when empty) and writes <c>NN-name.md</c> sections to <paramref name="outputDirectory"/>.</summary>
    /// <returns>The summaries (for tests).</returns>
    public static IReadOnlyList<Summary> Run(BenchProfile profile, string outputDirectory, IEnumerable<Type>? suites = null, ILogger? logger = null)
    {
        BenchSettings.Profile = profile;
        Directory.CreateDirectory(outputDirectory);
        var summaries = new List<Summary>();
        foreach (var suite in suites ?? Suites)
        {
            var summary = BenchmarkRunner.Run(suite, CreateConfig(suite, profile, outputDirectory, logger));
            summaries.Add(summary);
            var failed = summary.Reports.Where(r => !r.Success || r.ResultStatistics is null).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
            if (summary.HasCriticalValidationErrors || failed.Count > 0 || summary.Reports.Length == 0)
            {
                throw new InvalidOperationException(
                    $"{suite.Name} failed: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message).Concat(failed))}");
            }

            var section = suite == typeof(ClientOverheadBenchmarks) ? ClientOverheadSection(summary)
                : suite == typeof(RefreshStormBenchmarks) ? StormSection(summary)
                : VerificationSection(summary);
            File.WriteAllText(Path.Combine(outputDirectory, SectionName(suite)), section);
            if (Headline(suite, summary) is { } headline)
            {
                File.WriteAllText(Path.Combine(outputDirectory, Path.ChangeExtension(SectionName(suite), ".headline")), headline);
            }
        }

        return summaries;
    }

    private static string? Headline(Type suite, Summary summary)
    {
        if (suite == typeof(ClientOverheadBenchmarks))
        {
            var text = new StringBuilder();
            foreach (var category in new[] { "GET", "POST" })
            {
                var reports = summary.Reports.Where(r => r.BenchmarkCase.Descriptor.Categories.Contains(category)).ToList();
                var bare = reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
                var sesame = reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_Sesame", StringComparison.Ordinal));
                var bearer = reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_Bearer", StringComparison.Ordinal));
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"- Client {category}: Sesame's handler {MeanNs(sesame) / MeanNs(bare):F2}× the bare HttpClient's time, {Allocated(sesame) - Allocated(bare):+0;-0;0} B allocated per request (a hand-written bearer handler: {MeanNs(bearer) / MeanNs(bare):F2}×, {Allocated(bearer) - Allocated(bare):+0;-0;0} B).");
            }

            return text.ToString();
        }

        if (suite == typeof(RefreshStormBenchmarks))
        {
            var ratios = summary.Reports.GroupBy(r => (int)r.BenchmarkCase.Parameters["Calls"]).OrderBy(g => g.Key).Select(g =>
                string.Create(CultureInfo.InvariantCulture,
                    $"{g.Key:N0}: {MeanNs(g.Single(r => !r.BenchmarkCase.Descriptor.Baseline)) / MeanNs(g.Single(r => r.BenchmarkCase.Descriptor.Baseline)):F1}×"));
            return "- Refresh storm: exactly 1 refresh and 0 failed calls for every storm on an expired token; wall time vs a valid-token storm + 1 refresh: "
                + string.Join(", ", ratios) + "." + Environment.NewLine;
        }

        return null;
    }

    private static string SectionName(Type suite) => suite == typeof(ClientOverheadBenchmarks) ? "10-client-overhead.md"
        : suite == typeof(RefreshStormBenchmarks) ? "20-refresh-storm.md"
        : "30-verification.md";

    private static IConfig CreateConfig(Type suite, BenchProfile profile, string outputDirectory, ILogger? logger)
    {
        var storm = suite == typeof(RefreshStormBenchmarks);
        var job = profile switch
        {
            BenchProfile.Dry => Job.Dry,
            BenchProfile.Quick => storm ? Job.Default.WithWarmupCount(1).WithIterationCount(3) : Job.Default.WithWarmupCount(2).WithIterationCount(5),
            _ => storm ? Job.Default.WithWarmupCount(2).WithIterationCount(10) : Job.Default.WithWarmupCount(3).WithIterationCount(15),
        };
        if (storm)
        {
            // Each storm iteration needs a fresh session from [IterationSetup]: one invocation per iteration.
            job = job.WithInvocationCount(1).WithUnrollFactor(1);
        }

        // In-process: the measured client runs here; every server it talks to is its own process (BenchServerProcess).
        job = job.WithToolchain(InProcessEmitToolchain.Instance).WithId(profile.ToString());
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(logger ?? ConsoleLogger.Default)
            .AddJob(job)
            .WithArtifactsPath(Path.Combine(outputDirectory, "BenchmarkDotNet.Artifacts"))
            .WithOption(ConfigOptions.JoinSummary, false);
        if (profile == BenchProfile.Dry)
        {
            // The dry run proves the code paths work; it may run from a Debug build (the CI test project).
            config = config.WithOption(ConfigOptions.DisableOptimizationsValidator, true);
        }

        return config;
    }

    private static double MeanNs(BenchmarkReport report) => report.ResultStatistics!.Mean;

    private static long Allocated(BenchmarkReport report) => report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;

    private static string Description(BenchmarkReport report) => report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');

    private static string ClientOverheadSection(Summary summary)
    {
        var text = new StringBuilder();
        text.AppendLine("## Client overhead per request (BenchmarkDotNet, MemoryDiagnoser)");
        text.AppendLine();
        text.AppendLine("Keep-alive requests to a real Kestrel (its own process) on 127.0.0.1; GET `/hello`, POST `/echo` with a 170-byte JSON body.");
        text.AppendLine("The Sesame client holds a valid session (header transfer method) and attaches it; the bearer handler adds a cached `Authorization` header;");
        text.AppendLine("the last row is that handler behind `AddStandardResilienceHandler()` (IHttpClientFactory, logging handlers removed).");
        text.AppendLine("Target on the valid-token path: ≤ 1.02× the bare client's time and ≤ +256 B allocated per request.");
        text.AppendLine();
        text.AppendLine("| request | client | mean (µs) | ± stddev (µs) | ratio to bare | allocated (B/op) | Δ allocated vs bare (B) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var category in new[] { "GET", "POST" })
        {
            var reports = summary.Reports.Where(r => r.BenchmarkCase.Descriptor.Categories.Contains(category)).ToList();
            var baseline = reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            foreach (var report in reports.OrderBy(r => r.BenchmarkCase.Descriptor.Baseline ? 0 : 1))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {category} | {Description(report)} | {MeanNs(report) / 1000:F1} | {report.ResultStatistics!.StandardDeviation / 1000:F1} ")
                    .Append(CultureInfo.InvariantCulture, $"| {MeanNs(report) / MeanNs(baseline):F3}× | {Allocated(report)} | {Allocated(report) - Allocated(baseline):+0;-0;0} |")
                    .AppendLine();
            }
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string StormSection(Summary summary)
    {
        var text = new StringBuilder();
        text.AppendLine("## Refresh storm (BenchmarkDotNet, one invocation per iteration)");
        text.AppendLine();
        text.AppendLine("N concurrent GETs of a protected endpoint through one `SessionHandler` (256 pooled connections) against a real Sesame server (its own process, SQLite).");
        text.AppendLine("Baseline: the same storm on a valid token followed by one refresh round-trip. Expired: the server clock is moved past the access token's expiry first.");
        text.AppendLine("Every iteration asserts every call answered 200 and the server saw exactly one refresh request (the run fails otherwise).");
        text.AppendLine("Target: expired storm within 2× the baseline.");
        text.AppendLine();
        text.AppendLine("| concurrent calls | valid storm + 1 refresh (ms) | expired storm (ms) | ratio | refresh requests per storm | failed calls |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var group in summary.Reports.GroupBy(r => (int)r.BenchmarkCase.Parameters["Calls"]).OrderBy(g => g.Key))
        {
            var baseline = group.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            var expired = group.Single(r => !r.BenchmarkCase.Descriptor.Baseline);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key:N0} | {MeanNs(baseline) / 1e6:F2} | {MeanNs(expired) / 1e6:F2} | {MeanNs(expired) / MeanNs(baseline):F2}× | 1 | 0 |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string VerificationSection(Summary summary)
    {
        var text = new StringBuilder();
        text.AppendLine("## Server verification, in process (BenchmarkDotNet, MemoryDiagnoser)");
        text.AppendLine();
        text.AppendLine("One request's token check without the network: Sesame's `VerifySessionAsync` on a `DefaultHttpContext` carrying a Sesame access token,");
        text.AppendLine("against `JsonWebTokenHandler.ValidateTokenAsync` (what JwtBearer runs) on the same RS256 token and key.");
        text.AppendLine();
        text.AppendLine("| check | mean (µs) | ratio | allocated (B/op) |");
        text.AppendLine("|---|---:|---:|---:|");
        var baseline = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
        foreach (var report in summary.Reports.OrderBy(r => r.BenchmarkCase.Descriptor.Baseline ? 0 : 1))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Description(report)} | {MeanNs(report) / 1000:F2} | {MeanNs(report) / MeanNs(baseline):F3}× | {Allocated(report)} |");
        }

        text.AppendLine();
        return text.ToString();
    }
}
