using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sesame.Client;

namespace Sesame.Client.Tests;

/// <summary>
/// Issue 6: real child processes (tests/Sesame.Client.MultiProcessWorker, started with <c>dotnet &lt;dll&gt;</c>) share one FileTokenStore.
/// The server's clock is a fake advanced by the test (no sleeps for expiry); the children run on the system clock.
/// </summary>
public sealed class MultiProcessTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sesame-tests", "mp-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _processes = [];

    public MultiProcessTests() => Directory.CreateDirectory(_directory);

    private string TokenFile => Path.Combine(_directory, "tokens.json");

    private string GoFile => Path.Combine(_directory, "go");

    private static string WorkerDll
    {
        get
        {
            // tests/Sesame.Client.Tests/bin/<config>/net10.0/ ⇒ tests/Sesame.Client.MultiProcessWorker/bin/<config>/net10.0/
            var path = AppContext.BaseDirectory.Replace("Sesame.Client.Tests", "Sesame.Client.MultiProcessWorker", StringComparison.Ordinal);
            var dll = Path.Combine(path, "Sesame.Client.MultiProcessWorker.dll");
            Assert.True(File.Exists(dll), "worker not built: " + dll);
            return dll;
        }
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Multi_process_four_processes_on_an_expired_session_exactly_one_refresh_no_theft_no_failures(TokenTransferMethod method)
    {
        await using var h = await LoggedInHarnessAsync(method);
        h.ExpireAccessToken();
        h.Server.ResetCounters();

        var workers = Enumerable.Range(0, 4).Select(_ => StartWorker("call", h.Server.BaseAddress.ToString(), TokenFile, "25", GoFile, method == TokenTransferMethod.Cookie ? "cookie" : "header")).ToList();
        foreach (var worker in workers)
        {
            Assert.Equal("READY", await worker.ReadLineAsync(TimeSpan.FromSeconds(60)));
        }

        await File.WriteAllTextAsync(GoFile, "go");
        var results = await Task.WhenAll(workers.Select(w => w.ReadLineAsync(TimeSpan.FromSeconds(60))));

        Assert.All(results, r => Assert.StartsWith("RESULT ok=25 failed=0", r, StringComparison.Ordinal));
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(0, h.Server.TheftDetectedCount);
        Assert.Equal(100, h.Server.GetSessionCalledCount);
    }

    [Fact]
    public async Task Multi_process_holder_killed_with_the_lock_others_proceed_within_the_bound()
    {
        await using var h = await LoggedInHarnessAsync(TokenTransferMethod.Header);
        h.ExpireAccessToken();
        h.Server.ResetCounters();

        var holder = StartWorker("hold", TokenFile);
        Assert.Equal("LOCKED", await holder.ReadLineAsync(TimeSpan.FromSeconds(60)));
        await File.WriteAllTextAsync(GoFile, "go");
        var workers = Enumerable.Range(0, 3).Select(_ => StartWorker("call", h.Server.BaseAddress.ToString(), TokenFile, "10", GoFile)).ToList();
        foreach (var worker in workers)
        {
            Assert.Equal("READY", await worker.ReadLineAsync(TimeSpan.FromSeconds(60)));
        }

        // While the holder lives, nobody can refresh: every call waits (re-checking the store every second).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.All(workers, w => Assert.False(w.Process.HasExited));
        Assert.Equal(0, h.Server.RefreshAttemptedCount);

        var killed = Stopwatch.StartNew();
        holder.Process.Kill(); // SIGKILL: no clean-up runs; the OS drops the file lock.
        var results = await Task.WhenAll(workers.Select(w => w.ReadLineAsync(TimeSpan.FromSeconds(30))));
        killed.Stop();

        Assert.All(results, r => Assert.StartsWith("RESULT ok=10 failed=0", r, StringComparison.Ordinal));
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(5), $"took {killed.Elapsed} after the kill");
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.Equal(0, h.Server.TheftDetectedCount);
    }

    private async Task<ClientHarness> LoggedInHarnessAsync(TokenTransferMethod method)
    {
        var h = await ClientHarness.StartAsync(method, services: s => s.Replace(ServiceDescriptor.Singleton<ITokenStore>(new FileTokenStore(TokenFile))));
        await h.LoginAsync();
        return h;
    }

    private Worker StartWorker(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WorkerDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        _processes.Add(process);
        return new Worker(process);
    }

    private sealed class Worker(Process process)
    {
        public Process Process { get; } = process;

        public async Task<string> ReadLineAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                return await Process.StandardOutput.ReadLineAsync(cts.Token) ?? "EOF: " + await Process.StandardError.ReadToEndAsync(CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return "TIMEOUT";
            }
        }
    }
}
