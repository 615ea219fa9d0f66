using System.Diagnostics;
using Sesame.Client;
using Sesame.Interop.Legacy.Tests.Infrastructure;

namespace Sesame.Interop.Legacy.Tests;

/// <summary>
/// Two client processes share one <see cref="FileTokenStore"/> on an expired session: one refresh, and no false theft detection
/// (the peer revokes a session whose refresh token is spent twice: see <see cref="LegacyPeerWireTests"/>).
/// </summary>
public sealed class LegacyTwoProcessTests(LegacyPeerFixture fixture) : IClassFixture<LegacyPeerFixture>
{
    private readonly LegacyPeer _peer = fixture.Peer;

    [Fact]
    public async Task Legacy_two_processes_sharing_a_token_file_refresh_once_without_false_theft_detection()
    {
        await _peer.ResetAsync();
        var folder = Directory.CreateTempSubdirectory("sesame-legacy-");
        try
        {
            var tokenFile = Path.Combine(folder.FullName, "session.json");
            await using (var login = LegacyClient.Create(_peer, tokenFile))
            {
                await login.LoginAsync("two-processes");
            }

            var url = new Uri(_peer.BaseAddress, "/session").ToString();
            var workers = new[] { StartWorker(tokenFile, url), StartWorker(tokenFile, url) };
            try
            {
                foreach (var worker in workers)
                {
                    Assert.Equal("ready", await worker.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
                }

                await _peer.ExpireAccessTokensAsync();
                foreach (var worker in workers)
                {
                    await worker.StandardInput.WriteLineAsync("go");
                    await worker.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
                }

                foreach (var worker in workers)
                {
                    var result = await worker.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
                    await worker.WaitForExitAsync(TestContext.Current.CancellationToken);
                    Assert.True(worker.ExitCode == 0, $"worker exited {worker.ExitCode}: {await worker.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
                    Assert.Equal("200 two-processes", result);
                }
            }
            finally
            {
                foreach (var worker in workers)
                {
                    if (!worker.HasExited)
                    {
                        worker.Kill(entireProcessTree: true);
                    }

                    worker.Dispose();
                }
            }

            // Both processes met the expired session (two 440s); one refreshed, the other saw the new sIdRefreshToken in the file
            // under the lock and re-sent its call without refreshing.
            var events = await _peer.EventsAsync();
            Assert.Equal(2, events.Count(e => e == "TRY_REFRESH_TOKEN"));
            Assert.Equal(1, await _peer.RefreshCountAsync());
            Assert.Equal(1, await _peer.RefreshAttemptCountAsync());
            Assert.Equal(0, await _peer.TheftCountAsync());

            // The file holds the lineage the peer now knows: refreshing it again is not theft either.
            await using var later = LegacyClient.Create(_peer, tokenFile);
            Assert.True(await later.Session.AttemptRefreshingSessionAsync(TestContext.Current.CancellationToken));
            Assert.Equal((200, "two-processes"), await later.GetAsync("/session"));
            Assert.Equal(2, await _peer.RefreshCountAsync());
            Assert.Equal(0, await _peer.TheftCountAsync());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private Process StartWorker(string tokenFile, string url)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Sesame.Interop.Legacy.Worker.dll"));
        startInfo.ArgumentList.Add(_peer.RefreshUrl.ToString());
        startInfo.ArgumentList.Add(tokenFile);
        startInfo.ArgumentList.Add(url);
        return Process.Start(startInfo) ?? throw new InvalidOperationException("could not start the worker process");
    }
}
