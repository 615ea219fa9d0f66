using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Sesame.Benchmarks;

/// <summary>One wrk run's figures.</summary>
public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx, long SocketErrors);

/// <summary>Runs Debian's <c>wrk</c> (fixed connections, fixed duration, latency percentiles) and parses its report.</summary>
public static partial class Wrk
{
    /// <summary>Runs <c>wrk (on <paramref name="cpu"/> only, when given) -t{threads} -c{connections} -d{seconds}s --latency</c> with extra headers against <paramref name="url"/>.</summary>
    public static async Task<WrkResult> RunAsync(Uri url, int threads, int connections, TimeSpan duration, IEnumerable<string> headers,
        int? cpu, CancellationToken cancellationToken)
    {
        var (fileName, prefix) = cpu is { } pinned ? CpuPinning.Command("wrk", pinned) : ("wrk", []);
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in prefix)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "-t" + threads, "-c" + connections, "-d" + Math.Max(1, (int)duration.TotalSeconds) + "s", "--latency", "--timeout", "10s" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var header in headers)
        {
            info.ArgumentList.Add("-H");
            info.ArgumentList.Add(header);
        }

        info.ArgumentList.Add(url.ToString());
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("wrk is not installed: bash build/install-deps.sh installs it (build/deps/bench.apt)", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var text = await output.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {text} {await error.ConfigureAwait(false)}");
            }

            return Parse(text);
        }
    }

    /// <summary>Parses wrk's text report.</summary>
    public static WrkResult Parse(string text)
    {
        var rps = RequestsPerSecond().Match(text);
        var requests = RequestsTotal().Match(text);
        if (!rps.Success || !requests.Success)
        {
            throw new InvalidOperationException("unexpected wrk output: " + text);
        }

        var non2xx = Non2xx().Match(text);
        var socket = SocketErrors().Match(text);
        var socketErrors = socket.Success
            ? socket.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;
        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Percentile(text, "50"),
            Percentile(text, "99"),
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            socketErrors);
    }

    private static double Percentile(string text, string percent)
    {
        var match = Regex.Match(text, @"^\s*" + percent + @"%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            throw new InvalidOperationException($"no {percent}% line in wrk output: " + text);
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsTotal();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
