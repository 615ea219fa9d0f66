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
    public static readonly Type[] Suites = [typeof(ClientOverheadBenchmarks), typeof(HandlerOverheadBenchmarks), typeof(RefreshStormBenchmarks), typeof(VerificationBenchmarks), typeof(PipelineBenchmarks)];

    /// <summary>Runs <paramref name="suites"/> (all when empty) and writes <c>NN-name.md</c> sections to <paramref name="outputDirectory"/>.</summary>
    /// <returns>The summaries (for tests).</returns>
    public static IReadOnlyList<Summary> Run(BenchProfile profile, string outputDirectory, IEnumerable<Type>? suites = null, ILogger? logger = null)
    {
        BenchSettings.Profile = profile;
        Directory.CreateDirectory(outputDirectory);
        var summaries = new List<Summary>();
        Summary? clientOverhead = null;
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

            clientOverhead = suite == typeof(ClientOverheadBenchmarks) ? summary : clientOverhead;
            var section = suite == typeof(ClientOverheadBenchmarks) ? ClientOverheadSection(summary)
                : suite == typeof(HandlerOverheadBenchmarks) ? HandlerOverheadSection(summary, clientOverhead)
                : suite == typeof(RefreshStormBenchmarks) ? StormSection(summary)
                : suite == typeof(PipelineBenchmarks) ? PipelineSection(summary)
                : VerificationSection(summary);
            File.WriteAllText(Path.Combine(outputDirectory, SectionName(suite)), section);
            if ((suite == typeof(HandlerOverheadBenchmarks) ? HandlerOverheadHeadline(summary, clientOverhead) : Headline(suite, summary)) is { } headline)
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
            var groups = summary.Reports.GroupBy(r => (int)r.BenchmarkCase.Parameters["Calls"]).OrderBy(g => g.Key).ToList();
            string Ratios(string method) => string.Join(", ", groups.Select(g => string.Create(CultureInfo.InvariantCulture,
                $"{g.Key:N0}: {MeanNs(StormReport(g, method)) / MeanNs(g.Single(r => r.BenchmarkCase.Descriptor.Baseline)):F1}×")));
            return "- Refresh storm: exactly 1 refresh and 0 failed calls for every storm on an expired token; wall time vs a valid-token storm + 1 refresh: "
                + Ratios(nameof(RefreshStormBenchmarks.ExpiredTokenStorm)) + "; with ProactiveRefresh (the client knows the token expired): "
                + Ratios(nameof(RefreshStormBenchmarks.ExpiredTokenStormProactive)) + "." + Environment.NewLine;
        }

        if (suite == typeof(PipelineBenchmarks))
        {
            return PipelineHeadline(summary);
        }

        return null;
    }

    private static string SectionName(Type suite) => suite == typeof(ClientOverheadBenchmarks) ? "10-client-overhead.md"
        : suite == typeof(HandlerOverheadBenchmarks) ? "15-handler-overhead.md"
        : suite == typeof(RefreshStormBenchmarks) ? "20-refresh-storm.md"
        : suite == typeof(PipelineBenchmarks) ? "35-pipeline.md"
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

    /// <summary>The handler's own cost per request (in-process row minus the stub-only row) for GET and POST.</summary>
    private static IEnumerable<(string Category, double OwnNs, long OwnBytes, double BearerNs, long BearerBytes)> HandlerCosts(Summary summary)
    {
        foreach (var category in new[] { "GET", "POST" })
        {
            var reports = summary.Reports.Where(r => r.BenchmarkCase.Descriptor.Categories.Contains(category)).ToList();
            var bare = reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            var sesame = reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_Sesame", StringComparison.Ordinal));
            var bearer = reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_Bearer", StringComparison.Ordinal));
            yield return (category, MeanNs(sesame) - MeanNs(bare), Allocated(sesame) - Allocated(bare), MeanNs(bearer) - MeanNs(bare), Allocated(bearer) - Allocated(bare));
        }
    }

    /// <summary>The loopback bare HttpClient's mean time for <paramref name="category"/> from the client-overhead suite of this run, if it ran.</summary>
    private static double? LoopbackBareNs(Summary? clientOverhead, string category) =>
        clientOverhead?.Reports.SingleOrDefault(r => r.BenchmarkCase.Descriptor.Baseline && r.BenchmarkCase.Descriptor.Categories.Contains(category)) is { ResultStatistics: not null } bare
            ? MeanNs(bare) : null;

    private static string HandlerOverheadHeadline(Summary summary, Summary? clientOverhead)
    {
        var text = new StringBuilder();
        foreach (var (category, ownNs, ownBytes, bearerNs, bearerBytes) in HandlerCosts(summary))
        {
            var share = LoopbackBareNs(clientOverhead, category) is { } loopback
                ? string.Create(CultureInfo.InvariantCulture, $"{ownNs / loopback * 100:F2} % of the bare loopback request ({loopback / 1000:F1} µs), i.e. {1 + ownNs / loopback:F3}× the bare client's time")
                : "the loopback baseline did not run in this run (client-overhead suite)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- Session handler {category}, in process: {ownNs:F0} ns and {ownBytes:+0;-0;0} B per request of its own; {share} (a hand-written bearer handler: {bearerNs:F0} ns, {bearerBytes:+0;-0;0} B).");
        }

        return text.ToString();
    }

    private static string HandlerOverheadSection(Summary summary, Summary? clientOverhead)
    {
        var text = new StringBuilder();
        text.AppendLine("## Session handler's own cost per request, in process (BenchmarkDotNet, MemoryDiagnoser)");
        text.AppendLine();
        text.AppendLine("Requests go through an `HttpMessageInvoker` to a stub that answers a cached 200 asynchronously (completed right after the send, same thread): a fake of the network only,");
        text.AppendLine("so the difference to the stub-only row is the handler's own time and allocation, without loopback noise. The Sesame row is the real");
        text.AppendLine("`SessionHandler` with a valid session (header transfer method); the bearer row is the hand-written handler of the loopback table.");
        text.AppendLine("The last column puts the handler's own time next to the bare loopback request of the client-overhead table of the same run.");
        text.AppendLine();
        text.AppendLine("| request | handler | mean (ns) | ± stddev (ns) | own time (ns) | allocated (B/op) | own allocation (B) | own time / bare loopback request |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var category in new[] { "GET", "POST" })
        {
            var reports = summary.Reports.Where(r => r.BenchmarkCase.Descriptor.Categories.Contains(category)).ToList();
            var baseline = reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            var loopback = LoopbackBareNs(clientOverhead, category);
            foreach (var report in reports.OrderBy(r => r.BenchmarkCase.Descriptor.Baseline ? 0 : 1))
            {
                var own = MeanNs(report) - MeanNs(baseline);
                var share = report.BenchmarkCase.Descriptor.Baseline ? "" : loopback is { } l ? string.Create(CultureInfo.InvariantCulture, $"{own / l * 100:F2} %") : "n/a";
                text.Append(CultureInfo.InvariantCulture, $"| {category} | {Description(report)} | {MeanNs(report):F0} | {report.ResultStatistics!.StandardDeviation:F0} ")
                    .Append(CultureInfo.InvariantCulture, $"| {own:F0} | {Allocated(report)} | {Allocated(report) - Allocated(baseline):+0;-0;0} | {share} |")
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
        text.AppendLine("Baseline: the same storm on a valid token followed by one refresh round-trip. Expired: the server clock is moved past the access token's expiry first,");
        text.AppendLine("and the calls go out, get \"try refresh\", and are re-sent after the one refresh (the default client, as the official client does).");
        text.AppendLine("ProactiveRefresh: a second client with `ProactiveRefresh = true` whose clock moves on with the server's, so it knows the token expired and refreshes");
        text.AppendLine("once before the calls go out (no \"try refresh\" answers); same server, same run, same baseline.");
        text.AppendLine("Every iteration asserts every call answered 200 and the server saw exactly one refresh request (the run fails otherwise).");
        text.AppendLine("Target: expired storm within 2× the baseline.");
        text.AppendLine();
        text.AppendLine("| concurrent calls | valid storm + 1 refresh (ms) | expired storm (ms) | ratio | expired storm, ProactiveRefresh (ms) | ratio | refresh requests per storm | failed calls |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in summary.Reports.GroupBy(r => (int)r.BenchmarkCase.Parameters["Calls"]).OrderBy(g => g.Key))
        {
            var baseline = group.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            var expired = StormReport(group, nameof(RefreshStormBenchmarks.ExpiredTokenStorm));
            var proactive = StormReport(group, nameof(RefreshStormBenchmarks.ExpiredTokenStormProactive));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {group.Key:N0} | {MeanNs(baseline) / 1e6:F2} | {MeanNs(expired) / 1e6:F2} | {MeanNs(expired) / MeanNs(baseline):F2}× | {MeanNs(proactive) / 1e6:F2} | {MeanNs(proactive) / MeanNs(baseline):F2}× | 1 | 0 |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static BenchmarkReport StormReport(IEnumerable<BenchmarkReport> group, string methodName) =>
        group.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == methodName);

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

    private static BenchmarkReport PipelineReport(Summary summary, string methodName) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == methodName);

    private static string PipelineHeadline(Summary summary)
    {
        var unprotected = PipelineReport(summary, nameof(PipelineBenchmarks.Protected_Unprotected));
        var floor = PipelineReport(summary, nameof(PipelineBenchmarks.Protected_Floor));
        var sesame = PipelineReport(summary, nameof(PipelineBenchmarks.Protected_Sesame));
        var jwt = PipelineReport(summary, nameof(PipelineBenchmarks.Protected_JwtBearer));
        var anonymousBase = PipelineReport(summary, nameof(PipelineBenchmarks.Anonymous_Unprotected));
        var anonymousSesame = PipelineReport(summary, nameof(PipelineBenchmarks.Anonymous_Sesame));
        var anonymousFloor = PipelineReport(summary, nameof(PipelineBenchmarks.Anonymous_Floor));
        // Added time per request is what carries over to a real server (whose own per-request cost the stand-in leaves out).
        double AddedUs(BenchmarkReport report, BenchmarkReport baseline) => (MeanNs(report) - MeanNs(baseline)) / 1000;
        long AddedBytes(BenchmarkReport report, BenchmarkReport baseline) => Allocated(report) - Allocated(baseline);
        return string.Create(CultureInfo.InvariantCulture,
            $"- Server pipeline in process (GET /api/me, time and allocation added to the unprotected endpoint per request): framework floor (UseAuthentication/UseAuthorization + RequireAuthorization, constant-ticket scheme) +{AddedUs(floor, unprotected):F2} µs / +{AddedBytes(floor, unprotected)} B; Sesame +{AddedUs(sesame, unprotected):F2} µs / +{AddedBytes(sesame, unprotected)} B, i.e. +{AddedUs(sesame, floor):F2} µs / +{AddedBytes(sesame, floor)} B over the floor (its per-request user included); JwtBearer +{AddedUs(jwt, unprotected):F1} µs / +{AddedBytes(jwt, unprotected)} B. Anonymous endpoint, no token: Sesame app +{AddedUs(anonymousSesame, anonymousBase):F2} µs, floor app +{AddedUs(anonymousFloor, anonymousBase):F2} µs.")
            + Environment.NewLine;
    }

    private static string PipelineSection(Summary summary)
    {
        var text = new StringBuilder();
        text.AppendLine("## Server pipeline per request, in process (BenchmarkDotNet, MemoryDiagnoser)");
        text.AppendLine();
        text.AppendLine("One request through the benchmark server's whole ASP.NET Core pipeline (hosting, routing, authentication, authorization, endpoint)");
        text.AppendLine("without the network: the same apps as the wrk runs (`BenchApp`), a stand-in server feeding requests to the hosting pipeline.");
        text.AppendLine("The floor is UseAuthentication/UseAuthorization + RequireAuthorization around a handler returning one constant ticket: what any scheme costs at least.");
        text.AppendLine("The stand-in leaves out the server's own per-request work (HTTP parsing, sockets: ~10 µs per request on Kestrel here), so ratios of these times");
        text.AppendLine("overstate what wrk shows; the added µs and bytes per request are what carries over to a real server.");
        text.AppendLine();
        text.AppendLine("| request | server | mean (µs) | ± stddev (µs) | Δ vs baseline (µs) | baseline time ÷ time (in process) | allocated (B/op) | Δ allocated (B) |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var category in new[] { PipelineBenchmarks.Protected, PipelineBenchmarks.Anonymous })
        {
            var reports = summary.Reports.Where(r => r.BenchmarkCase.Descriptor.Categories.Contains(category)).ToList();
            var baseline = reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
            foreach (var report in reports.OrderBy(r => r.BenchmarkCase.Descriptor.Baseline ? 0 : 1))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {category} | {Description(report)} | {MeanNs(report) / 1000:F2} | {report.ResultStatistics!.StandardDeviation / 1000:F2} ")
                    .Append(CultureInfo.InvariantCulture, $"| {(MeanNs(report) - MeanNs(baseline)) / 1000:+0.00;-0.00;0.00} | {MeanNs(baseline) / MeanNs(report):F3}× ")
                    .Append(CultureInfo.InvariantCulture, $"| {Allocated(report)} | {Allocated(report) - Allocated(baseline):+0;-0;0} |")
                    .AppendLine();
            }
        }

        text.AppendLine();
        return text.ToString();
    }
}
