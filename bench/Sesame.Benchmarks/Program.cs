using Sesame.Benchmarks;

// The benchmark program; bench/run calls it once per step. Where each command lives:
//   Suites/     the BenchmarkDotNet suites (command bdn)
//   Load/       the load drivers: wrk against the benchmark servers (server-load), refresh throughput (refresh-load), storm-probe
//   Reporting/  the report writer (report)

// Every command and option (printed by "help" and on a wrong command).
const string Usage = """
    usage: Sesame.Benchmarks <command> [options]
    commands:
      bdn            the BenchmarkDotNet suites: client overhead, handler overhead, refresh storm, verification, pipeline [--suite NAME]
      server-load    wrk against the benchmark servers (unprotected, Sesame, JwtBearer) and the seed-era Node backend [--node-url URL]
      refresh-load   refresh throughput on SQLite and PostgreSQL [--pg CONNECTION_STRING]
      identity-load  ASP.NET Core Identity: Sesame sessions vs MapIdentityApi's bearer tokens, protected GET (wrk) and refresh
      storm-probe    profiling aid: times expired and valid storms of N calls outside BenchmarkDotNet [--suite N] (default 1000)
      splice         puts the sections in --out into an existing docs/benchmarks.md (one step re-measured) [--doc PATH] [--command TEXT]
      report         joins the sections in --out into docs/benchmarks.md [--doc PATH] [--command TEXT]
      help           this text
    options:
      --profile full|quick|dry   how long to run (default full; dry: one pass, as tests/Sesame.Benchmarks.Tests runs them)
      --out DIR                  where the sections are written (default artifacts/bench)
    """;

var command = args.Length > 0 ? args[0] : "help";
var options = BenchArguments.Parse(args.Skip(1).ToArray());
BenchSettings.Profile = options.Profile;
switch (command)
{
    case "bdn":
        var suites = options.Suite is null ? BdnSuite.Suites : BdnSuite.Suites.Where(s => s.Name.Contains(options.Suite, StringComparison.OrdinalIgnoreCase)).ToArray();
        BdnSuite.Run(options.Profile, options.OutputDirectory, suites);
        return 0;
    case "server-load":
        await ServerLoad.RunAsync(options.Profile, options.OutputDirectory, options.NodeUrl, Console.Out);
        return 0;
    case "refresh-load":
        await RefreshLoad.RunAsync(options.Profile, options.OutputDirectory, options.PostgreSql, Console.Out);
        return 0;
    case "identity-load":
        await IdentityLoad.RunAsync(options.Profile, options.OutputDirectory, Console.Out);
        return 0;
    case "storm-probe":
        // Profiling aid: times expired and valid storms of --suite N calls outside BenchmarkDotNet.
        await StormProbe.RunAsync(int.Parse(options.Suite ?? "1000", System.Globalization.CultureInfo.InvariantCulture), Console.Out);
        return 0;
    case "splice":
        SectionSplice.Write(options.OutputDirectory, options.DocumentPath ?? "docs/benchmarks.md", options.CommandLine ?? "bench/run");
        return 0;
    case "report":
        Report.Write(options.OutputDirectory, options.DocumentPath ?? "docs/benchmarks.md", options.CommandLine ?? "bench/run");
        return 0;
    case "help" or "--help" or "-h":
        Console.Out.WriteLine(Usage);
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}

