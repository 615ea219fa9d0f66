using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore;
using Sesame.Client;
using Sesame.Reliability.Tests.Infrastructure;
using Sesame.Testing.Server;

[assembly: AssemblyFixture(typeof(Sesame.Reliability.Tests.SecuritySuiteLogCheck))]

namespace Sesame.Reliability.Tests;

/// <summary>
/// Every log line of every server and client of this test assembly (all categories, Trace) is captured; every token that crossed
/// the wire is recorded by the servers' wire tap. No log line may contain any of them. The serial test below runs after the
/// parallel tests (so it sees their logs) and walks every secret-handling path itself; the assembly fixture checks once more at the end.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class SecurityLogSecretsTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Security_no_token_refresh_token_or_anti_csrf_value_in_any_log_line_of_server_or_client_across_the_suite()
    {
        // The check itself can fail: a line holding a recorded secret is reported.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using (var server = await Servers.StartAsync(o =>
        {
            o.AccessTokenLifetime = Lifetime;
            o.AntiCsrf = AntiCsrfMode.ViaToken;
        }, time))
        {
            // Cookie mode with anti-CSRF tokens: login, calls, a refresh, a payload update, a refused refresh, a theft, a sign-out.
            await using var cookie = TestClient.Create(server, o => o.TokenTransferMethod = Sesame.Client.TokenTransferMethod.Cookie, time);
            await cookie.LoginAsync("alice");
            Assert.NotNull(cookie.Store.Current.AntiCsrfToken);
            using (await cookie.Api.PostAsync("/echo", new StringContent("{}")))
            {
            }

            time.Advance(Lifetime + TimeSpan.FromSeconds(1));
            Assert.Equal((200, "alice"), await cookie.GetAsync());
            using (await cookie.Api.PostAsync("/update-jwt", new StringContent("{\"role\":\"admin\"}")))
            {
            }

            await using var header = TestClient.Create(server, time: time);
            await header.LoginAsync("bob");
            var stolen = header.Store.Current.RefreshToken!;
            server.Program(server.RefreshUri.AbsolutePath, new ProgrammedResponse { Status = 500, Body = "boom" });
            time.Advance(Lifetime + TimeSpan.FromSeconds(1));
            using (await header.Api.GetAsync("/"))
            {
            }

            server.Program(server.RefreshUri.AbsolutePath, new ProgrammedResponse { Abort = true }, times: 5);
            await Assert.ThrowsAsync<HttpRequestException>(() => header.Api.GetAsync("/"));
            server.ClearProgrammed();
            Assert.Equal((200, "bob"), await header.GetAsync());

            // The leak check does not cry wolf: a header-and-payload prefix of a real token (what Kestrel's bad-request log quotes) is no leak,
            // even after a two-segment forgery (header.payload, no signature) crossed the wire and was recorded.
            var token = header.Store.Current.AccessToken!;
            WireSecrets.Add(token[..token.LastIndexOf('.')]);
            Assert.Empty(WireSecrets.FindLeaks([new CapturedLogLine("self-test", LogLevel.Debug, default, "bad request data: 'Authorization: Bearer " + token[..(token.IndexOf('.') + 20)] + "...'")]));

            using var raw = new Raw(server);
            using (var theft = await raw.RefreshAsync(stolen))
            {
                Assert.Equal("token theft detected", await theft.MessageAsync());
            }

            using (var wrongCsrf = await raw.SendAsync(HttpMethod.Post, "/echo", decorate: r =>
                   {
                       r.Headers.TryAddWithoutValidation("Cookie", "sAccessToken=" + cookie.Store.Current.Cookies.First(c => c.Name == "sAccessToken").Value);
                       r.Headers.Add("anti-csrf", "wrong-" + Guid.NewGuid());
                   }))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, wrongCsrf.StatusCode);
            }

            await cookie.Session.SignOutAsync();
        }

        var lines = CapturedLogs.Lines;
        Assert.True(WireSecrets.Count >= 20, $"only {WireSecrets.Count} secrets recorded: the wire tap is not working");
        Assert.Contains(lines, l => l.Level == LogLevel.Trace && l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Category.StartsWith("Sesame.Client", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Category.StartsWith("Sesame.AspNetCore", StringComparison.Ordinal) && l.EventId.Name == "TokenTheftDetected");
        Assert.NotEmpty(WireSecrets.FindLeaks([new CapturedLogLine("self-test", LogLevel.Trace, default, "token=" + lines.Count + WireSecretsSample())]));

        var leaks = WireSecrets.FindLeaks(lines);
        TestContext.Current.TestOutputHelper?.WriteLine($"{lines.Count} log lines checked against {WireSecrets.Count} secret values: {leaks.Count} leaks");
        Assert.Empty(leaks);
    }

    private static string WireSecretsSample() => " " + WireSecrets.Sample();
}

/// <summary>The same check once more after every test of the assembly has run (a failure here fails the run as a cleanup error).</summary>
public sealed class SecuritySuiteLogCheck : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        var leaks = WireSecrets.FindLeaks(CapturedLogs.Lines);
        if (leaks.Count > 0)
        {
            throw new InvalidOperationException($"{leaks.Count} log lines contain a token seen on the wire:\n" + string.Join("\n", leaks.Take(20)));
        }

        return ValueTask.CompletedTask;
    }
}
