namespace Sesame.Benchmarks;

/// <summary>
/// Splits a 2+ core machine between load generator and server for the wrk suite: the server gets CPU 1, wrk CPU 0.
/// On a shared 2-core box this turned ±20 % run-to-run swings into ±2 %, and it measures every server on exactly one core,
/// so requests/s compare the servers' CPU cost per request rather than who won the scheduler. Uses util-linux's <c>taskset</c>;
/// without it (or on one core) nothing is pinned and the report says so.
/// </summary>
public static class CpuPinning
{
    /// <summary>The CPU the servers run on.</summary>
    public const int ServerCpu = 1;

    /// <summary>The CPU wrk runs on.</summary>
    public const int LoadCpu = 0;

    /// <summary>True when pinning is possible here (Linux, 2+ cores, <c>taskset</c> on the PATH).</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && MachineCpuCount() >= 2 && OnPath("taskset");

    /// <summary>Prefixes a command with <c>taskset -c CPU</c> when pinning is available: returns the file name and leading arguments to use.</summary>
    public static (string FileName, string[] Prefix) Command(string fileName, int cpu) =>
        Available ? ("taskset", ["-c", cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), fileName]) : (fileName, []);

    /// <summary>The machine's online CPUs, not this process's: bench/run pins the driver to one CPU, which is what
    /// <see cref="Environment.ProcessorCount"/> would report.</summary>
    private static int MachineCpuCount()
    {
        try
        {
            // e.g. "0-1" or "0,2-5"
            var count = 0;
            foreach (var range in File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(','))
            {
                var bounds = range.Split('-');
                count += bounds.Length == 2 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) - int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;
            }

            return count;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return Environment.ProcessorCount;
        }
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)));
}
