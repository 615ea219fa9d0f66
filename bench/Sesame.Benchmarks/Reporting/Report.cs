using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Sesame.Benchmarks;

/// <summary>Joins the sections the runners wrote into docs/benchmarks.md, with the machine and the command that produced them.</summary>
public static class Report
{
    public static void Write(string sectionsDirectory, string documentPath, string commandLine)
    {
        var text = new StringBuilder();
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine("Written by `bench/run`; every figure below comes from one run of it, and every ratio is to a baseline measured in the same run.");
        text.AppendLine("Loopback only: client, servers and databases share this machine's cores, so absolute figures say little about a real deployment;");
        text.AppendLine("the ratios are the point.");
        text.AppendLine();
        text.AppendLine("## Machine and command");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores");
        text.AppendLine(CultureInfo.InvariantCulture, $"- OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        text.AppendLine(CultureInfo.InvariantCulture, $"- .NET: {RuntimeInformation.FrameworkDescription}; BenchmarkDotNet 0.15.8; {ToolVersion("wrk", "-v")}; Node.js {ToolVersion("node", "--version")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Date (UTC): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{commandLine}`");
        text.AppendLine(CpuPinning.Available
            ? $"- CPUs split with `taskset`: load drivers (BenchmarkDotNet's process, wrk, the refresh-load clients) on CPU {CpuPinning.LoadCpu}, every server on CPU {CpuPinning.ServerCpu}; databases unpinned."
            : "- CPUs not split (`taskset` or a second core missing): drivers and servers share the cores.");
        text.AppendLine("- Other work may have shared the machine during the run (it is a 2-core shared box); each suite interleaves or repeats its variants so they see the same conditions.");
        text.AppendLine();

        var headlines = Directory.GetFiles(sectionsDirectory, "*.headline").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        if (headlines.Count > 0)
        {
            text.AppendLine("## Headline ratios");
            text.AppendLine();
            foreach (var headline in headlines)
            {
                text.Append(headline);
            }

            text.AppendLine();
        }

        foreach (var section in Directory.GetFiles(sectionsDirectory, "*.md").Order(StringComparer.Ordinal))
        {
            text.Append(File.ReadAllText(section));
        }

        var notes = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(documentPath))!, "benchmarks-notes.md");
        if (File.Exists(notes))
        {
            text.Append(File.ReadAllText(notes));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(documentPath))!);
        File.WriteAllText(documentPath, text.ToString().TrimEnd() + Environment.NewLine);
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string ToolVersion(string tool, string argument)
    {
        try
        {
            var info = new ProcessStartInfo(tool, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? tool;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return tool + " not installed";
        }
    }
}
