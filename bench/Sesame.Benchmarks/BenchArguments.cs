namespace Sesame.Benchmarks;

/// <summary>The benchmark runner's options.</summary>
internal sealed record BenchArguments(BenchProfile Profile, string OutputDirectory, string? Suite, string? NodeUrl, string? PostgreSql,
    string? DocumentPath, string? CommandLine)
{
    public static BenchArguments Parse(string[] args)
    {
        var profile = BenchProfile.Full;
        var output = Path.Combine("artifacts", "bench");
        string? suite = null, node = null, pg = null, doc = null, commandLine = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--profile": profile = Enum.Parse<BenchProfile>(Next(), ignoreCase: true); break;
                case "--out": output = Next(); break;
                case "--suite": suite = Next(); break;
                case "--node-url": node = Next(); break;
                case "--pg": pg = Next(); break;
                case "--doc": doc = Next(); break;
                case "--command": commandLine = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new BenchArguments(profile, output, suite, node, pg, doc, commandLine);
    }
}
