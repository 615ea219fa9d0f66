using Sesame.Benchmarks;

// Sesame.Benchmarks <command> [--profile full|quick|dry] [--out DIR] ...
//   bdn            the BenchmarkDotNet suites (client overhead, refresh storm, verification) [--suite Name]
//   server-load    wrk against the benchmark servers (unprotected, Sesame, JwtBearer) and the seed-era Node backend [--node-url URL]
//   refresh-load   refresh throughput on SQLite and PostgreSQL [--pg CONNECTION_STRING]
//   report         joins the sections in --out into docs/benchmarks.md [--doc PATH] [--command TEXT]
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
    case "storm-probe":
        // Profiling aid: times expired and valid storms of --suite N calls outside BenchmarkDotNet.
        await StormProbe.RunAsync(int.Parse(options.Suite ?? "1000", System.Globalization.CultureInfo.InvariantCulture), Console.Out);
        return 0;
    case "report":
        Report.Write(options.OutputDirectory, options.DocumentPath ?? "docs/benchmarks.md", options.CommandLine ?? "bench/run");
        return 0;
    default:
        Console.Error.WriteLine("usage: Sesame.Benchmarks bdn|server-load|refresh-load|report [--profile full|quick|dry] [--out DIR] [--suite NAME] [--node-url URL] [--pg CONN] [--doc PATH] [--command TEXT]");
        return 2;
}
