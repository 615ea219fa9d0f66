using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Sesame.Client;
using Sesame.Reliability.Tests.Infrastructure;

namespace Sesame.Reliability.Tests;

/// <summary>
/// A real client process rewrites its token file (FileTokenStore) in a loop and is killed with SIGKILL at random points; after each
/// kill a new store (the "next start") must read a complete snapshot, and never one older than the last write the process reported.
/// </summary>
public sealed class ReliabilityTokenFileCrashTests
{
    private const int Kills = 12;

    // ~200 KB per snapshot makes each write take long enough that kills land inside writes, not only between them.
    private const int Padding = 200_000;

    [Fact]
    public async Task Reliability_client_killed_while_writing_its_token_file_next_start_reads_the_last_good_snapshot()
    {
        var folder = Directory.CreateTempSubdirectory("sesame-reliability-kill-");
        var file = Path.Combine(folder.FullName, "tokens.json");
        var random = new Random(8_2024);
        var padding = new string('p', Padding);
        var figures = new List<string>();
        try
        {
            long previous = 0;
            for (var kill = 0; kill < Kills; kill++)
            {
                long acknowledged = previous;
                using var writer = StartWriter(file);
                var firstWrite = new TaskCompletionSource();
                writer.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is { } line && line.StartsWith("ok ", StringComparison.Ordinal))
                    {
                        Interlocked.Exchange(ref acknowledged, long.Parse(line[3..], CultureInfo.InvariantCulture));
                        firstWrite.TrySetResult();
                    }
                };
                writer.BeginOutputReadLine();
                var exited = writer.WaitForExitAsync();
                await Task.WhenAny(firstWrite.Task, exited).WaitAsync(TimeSpan.FromSeconds(30));
                if (exited.IsCompleted)
                {
                    Assert.Fail("the writer process ended by itself: " + await writer.StandardError.ReadToEndAsync());
                }
                await Task.Delay(random.Next(0, 60));
                writer.Kill(); // SIGKILL on Linux: no finally blocks, no flush, no cleanup
                await writer.WaitForExitAsync();

                using var nextStart = new FileTokenStore(file, new LoggerAdapter(new CapturingLoggerProvider().CreateLogger("Sesame.Client.FileTokenStore")));
                var snapshot = nextStart.Current;
                var n = snapshot.LastAccessTokenUpdate ?? throw new Xunit.Sdk.XunitException($"kill {kill}: the token file was unreadable after the kill");
                Assert.Equal("access-" + n + "-" + padding, snapshot.AccessToken);
                Assert.Equal("refresh-" + n, snapshot.RefreshToken);
                Assert.Equal("front-" + n, snapshot.FrontToken);
                Assert.Equal("csrf-" + n, snapshot.AntiCsrfToken);
                var acked = Interlocked.Read(ref acknowledged);
                // Never older than what the process confirmed; at most the one write in flight when it died.
                Assert.InRange(n, acked, acked + 1);
                figures.Add($"kill {kill}: acknowledged {acked}, read {n}");
                previous = n;
            }

            var orphans = Directory.GetFiles(folder.FullName, "*.tmp").Length;
            TestContext.Current.TestOutputHelper?.WriteLine($"{Kills} kills; {previous} snapshots written; {orphans} temporary files left by killed writes");
            foreach (var line in figures)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(line);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Process StartWriter(string file)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sesame.Reliability.TokenFileWriter.dll"));
        start.ArgumentList.Add(file);
        start.ArgumentList.Add(Padding.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the token-file writer");
    }

    /// <summary>Gives the store a typed logger that writes to the capture.</summary>
    private sealed class LoggerAdapter(ILogger inner) : ILogger<FileTokenStore>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
