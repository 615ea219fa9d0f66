using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Sesame.Demo.Tests.Infrastructure;

/// <summary>
/// The demo started as the README says, as a child process:
/// <c>dotnet run --project samples/Demo --no-build -c &lt;this test's configuration&gt; -- --urls http://127.0.0.1:&lt;free port&gt; …</c>
/// (the test project references the demo, so it is built in the same configuration first). Ready when it prints its URL.
/// Each instance gets its own SQLite file in a temp folder, deleted on dispose.
/// </summary>
public sealed partial class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly string _databaseFolder;

    private DemoProcess(Process process, ConcurrentQueue<string> output, string databaseFolder, Uri baseAddress)
    {
        _process = process;
        _output = output;
        _databaseFolder = databaseFolder;
        BaseAddress = baseAddress;
    }

    /// <summary>The URL the demo printed, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>How long from starting <c>dotnet run</c> to the demo printing its URL.</summary>
    public TimeSpan StartDuration { get; private init; }

    /// <summary>Everything the demo printed so far (stdout and stderr).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The configuration this test assembly was built in, hence the demo's (Debug, or Release under build/test.sh).</summary>
    public static string Configuration { get; } =
        typeof(DemoProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The command line after <c>dotnet</c>, for messages and the README check.</summary>
    public static IReadOnlyList<string> Arguments(int port, string databasePath, IEnumerable<string> extraArguments) =>
    [
        "run", "--project", Path.Combine("samples", "Demo"), "--no-build", "-c", Configuration, "--",
        "--urls", $"http://127.0.0.1:{port}", $"--Session:DatabasePath={databasePath}", .. extraArguments,
    ];

    /// <summary>Starts the demo with <paramref name="extraArguments"/> (configuration overrides such as
    /// <c>--Session:AccessTokenLifetime=00:00:03</c>) and waits until it serves.</summary>
    public static async Task<DemoProcess> StartAsync(IEnumerable<string> extraArguments, TimeSpan timeout)
    {
        var databaseFolder = Path.Combine(Path.GetTempPath(), "sesame-demo-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(databaseFolder);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", Arguments(port, Path.Combine(databaseFolder, "demo.db"), extraArguments))
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // No ASPNETCORE_URLS/ENVIRONMENT inherited from the test runner: the demo runs as on a newcomer's machine.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");

        var output = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (RunningAt().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(new Uri(match.Groups["url"].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.Enqueue("stderr: " + e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"The demo exited (code {process.ExitCode}) before printing its URL:\n{string.Join('\n', output)}"));

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseAddress = await ready.Task.WaitAsync(timeout);
            return new DemoProcess(process, output, databaseFolder, baseAddress) { StartDuration = clock.Elapsed };
        }
        catch (TimeoutException)
        {
            Stop(process);
            throw new TimeoutException($"dotnet {string.Join(' ', start.ArgumentList)} printed no URL within {timeout}:\n{string.Join('\n', output)}");
        }
        catch (InvalidOperationException)
        {
            Stop(process);
            throw;
        }
    }

    /// <summary>
    /// Whether the Blazor runtime is served as a browser asks for it (gzip accepted). From the build output the demo serves
    /// samples/Demo.Client's files through a manifest written when samples/Demo was built; if Demo.Client alone was rebuilt since
    /// (another build on the same working tree), the manifest names compressed files that no longer exist and the app cannot boot.
    /// </summary>
    public async Task<bool> ServesBlazorFrameworkAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "_framework/dotnet.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode
            && response.Content.Headers.ContentType?.MediaType == "text/javascript"
            && (await response.Content.ReadAsByteArrayAsync()).Length > 0;
    }

    private static int FreePort()
    {
        // The demo binds the port seconds later: take one below Linux's ephemeral range (32768+), where the port-0 servers and
        // outgoing connections of test projects running at the same time cannot take it meanwhile.
        while (true)
        {
            var port = Random.Shared.Next(30_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: pick another.
            }
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // dotnet run starts the demo as its own child: end both.
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_databaseFolder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the OS cleans the temp folder
        }

        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"Sesame demo running at (?<url>http://\S+/)")]
    private static partial Regex RunningAt();
}
