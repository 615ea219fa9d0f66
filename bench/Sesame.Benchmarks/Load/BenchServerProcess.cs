using System.Diagnostics;

namespace Sesame.Benchmarks;

/// <summary>
/// One benchmark server (bench/Sesame.Benchmarks.Server) in its own process, so the client or load driver never shares
/// the server's CPU time accounting, GC or allocations. Ends when disposed (stdin closed, then killed if it lingers).
/// </summary>
public sealed class BenchServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BenchServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The process id (for profiling).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The server's dll: beside this assembly (the project reference copies it), or SESAME_BENCH_SERVER.</summary>
    public static string ServerDll =>
        Environment.GetEnvironmentVariable("SESAME_BENCH_SERVER") is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "Sesame.Benchmarks.Server.dll");

    /// <summary>Starts a server: <paramref name="arguments"/> as in Sesame.Benchmarks.Server's Program (e.g. <c>--mode sesame</c>).</summary>
    /// <remarks>Where <see cref="CpuPinning.Available"/>, the server runs on <see cref="CpuPinning.ServerCpu"/> (bench/run keeps the drivers on the other CPU).</remarks>
    public static Task<BenchServerProcess> StartAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        StartAsync(arguments, CpuPinning.Available ? CpuPinning.ServerCpu : null, cancellationToken);

    /// <summary>Starts a server on one CPU: <paramref name="arguments"/> as in Sesame.Benchmarks.Server's Program.</summary>
    /// <param name="arguments">The server's command line.</param>
    /// <param name="cpu">Runs the server on this CPU only (see <see cref="CpuPinning"/>); null: anywhere.</param>
    /// <param name="cancellationToken">Cancels waiting for the server to listen.</param>
    public static Task<BenchServerProcess> StartAsync(IEnumerable<string> arguments, int? cpu, CancellationToken cancellationToken) =>
        StartAsync(ServerDll, arguments, cpu, cancellationToken);

    /// <summary>Starts another server program (e.g. the Identity comparison's) on one CPU, with the same start-up handshake.</summary>
    /// <param name="serverDll">The server's dll.</param>
    /// <param name="arguments">The server's command line.</param>
    /// <param name="cpu">Runs the server on this CPU only (see <see cref="CpuPinning"/>); null: anywhere.</param>
    /// <param name="cancellationToken">Cancels waiting for the server to listen.</param>
    public static async Task<BenchServerProcess> StartAsync(string serverDll, IEnumerable<string> arguments, int? cpu, CancellationToken cancellationToken)
    {
        var (fileName, prefix) = cpu is { } pinned ? CpuPinning.Command("dotnet", pinned) : ("dotnet", []);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(serverDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The servers are measured as an app runs in production.
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (line is null)
                {
                    throw new InvalidOperationException($"the benchmark server ({string.Join(' ', info.ArgumentList)}) exited: {errors}");
                }

                if (line.StartsWith("listening on ", StringComparison.Ordinal))
                {
                    // Keep draining stdout so the server never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new BenchServerProcess(process, new Uri(line["listening on ".Length..].Trim().TrimEnd('/') + "/"));
                }
            }
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            Kill(_process);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
