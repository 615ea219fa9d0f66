namespace Sesame.Benchmarks;

/// <summary>How long the benchmarks run: the full run for docs/benchmarks.md, a quick look, or one pass so CI sees they still work.</summary>
public enum BenchProfile
{
    /// <summary>Every size and the statistics docs/benchmarks.md is written from (~20 minutes).</summary>
    Full,

    /// <summary>Fewer iterations and sizes (a few minutes).</summary>
    Quick,

    /// <summary>One invocation of everything with the smallest sizes: proves the benchmarks run, measures nothing.</summary>
    Dry,
}

/// <summary>The profile of this process (the BenchmarkDotNet suites run in-process, so parameter sources can read it).</summary>
public static class BenchSettings
{
    /// <summary>The current profile.</summary>
    public static BenchProfile Profile { get; set; } = BenchProfile.Full;
}
