using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Reliability.Tests.Infrastructure;
using Sesame.Testing.Server;

namespace Sesame.Reliability.Tests;

/// <summary>Faults of the refresh endpoint, the server process and the database, with the real client against a real Kestrel.</summary>
public sealed class ReliabilityFaultTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    public static TheoryData<string> RefreshFaults => ["closed-port", "slow", "500", "html", "truncated-json", "reset"];

    [Theory]
    [MemberData(nameof(RefreshFaults))]
    public async Task Reliability_refresh_endpoint_fault_caller_gets_a_clear_error_session_kept_next_call_recovers(string fault)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time);
        // The refresh URL goes through a relay port, so "down" is a real closed port while the API itself stays up.
        await using var relay = new TcpRelay(server.BaseAddress);
        relay.Open();
        var refreshUrl = new Uri(relay.Address, "auth/session/refresh");
        await using var client = TestClient.Create(server, o =>
        {
            o.RefreshTokenUrl = refreshUrl.ToString();
            o.RefreshRequestTimeout = TimeSpan.FromSeconds(3); // generous: the recovery refresh runs under the same limit on a loaded CI
        }, time);
        await client.LoginAsync();
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var before = client.Store.Current;
        var refreshPath = server.RefreshUri.AbsolutePath;

        switch (fault)
        {
            case "closed-port":
                relay.Close();
                var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.Api.GetAsync("/"));
                Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);
                relay.Open();
                break;
            case "slow":
                server.Program(refreshPath, new ProgrammedResponse { Delay = TimeSpan.FromSeconds(10), Status = 200 });
                var timedOut = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Api.GetAsync("/"));
                Assert.IsType<TimeoutException>(timedOut.InnerException);
                Assert.Contains("RefreshRequestTimeout", timedOut.Message, StringComparison.Ordinal);
                break;
            case "500":
                server.Program(refreshPath, new ProgrammedResponse { Status = 500, Body = "{\"message\":\"boom\"}", ContentType = "application/json" });
                using (var response = await client.Api.GetAsync("/"))
                {
                    // docs/protocol/refresh.md#outcomes: the caller gets the refresh endpoint's own answer, which names the refresh URL.
                    Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                    Assert.Equal(refreshUrl, response.RequestMessage!.RequestUri);
                }

                break;
            case "html":
                // A captive portal or a misrouted proxy: 200 with a web page and no session headers.
                server.Program(refreshPath, new ProgrammedResponse { Status = 200, Body = "<html><body>Please log in to the Wi-Fi</body></html>", ContentType = "text/html" });
                var noFrontToken = await Assert.ThrowsAsync<SessionRefreshException>(() => client.Api.GetAsync("/"));
                Assert.Contains("'front-token' header is missing", noFrontToken.Message, StringComparison.Ordinal);
                break;
            case "truncated-json":
                // Content-Length promises more than is sent: Kestrel ends the connection mid-body, the client sees a cut response.
                server.Program(refreshPath, new ProgrammedResponse
                {
                    Status = 200,
                    Body = "{\"status\":\"OK\",\"sess",
                    ContentType = "application/json",
                    Headers = new Dictionary<string, string> { ["Content-Length"] = "400" },
                });
                await Assert.ThrowsAsync<HttpRequestException>(() => client.Api.GetAsync("/"));
                break;
            case "reset":
                // SocketsHttpHandler re-sends a request by itself (a few times) when a pooled connection is reset before any response byte
                // (safe here: the server keeps the presented refresh token valid until its child is used), so reset every attempt.
                server.Program(refreshPath, new ProgrammedResponse { Abort = true }, times: int.MaxValue);
                await Assert.ThrowsAsync<HttpRequestException>(() => client.Api.GetAsync("/"));
                Assert.InRange(server.RefreshAttemptedCount, 1, 10);
                TestContext.Current.TestOutputHelper?.WriteLine($"reset: {server.RefreshAttemptedCount} refresh attempts reached the server");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault));
        }

        Assert.Equal(before, client.Store.Current);
        Assert.Equal(0, server.RefreshCalledCount);
        server.ClearProgrammed();

        Assert.Equal((200, "alice"), await client.GetAsync());
        Assert.Equal(1, server.RefreshCalledCount);
        Assert.NotEqual(before.RefreshToken, client.Store.Current.RefreshToken);
    }

    [Fact]
    public async Task Reliability_server_restart_on_the_same_SQLite_file_sessions_survive_for_a_restarted_client_too()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var database = SesameTestServer.NewDatabasePath();
        var tokenFile = Path.Combine(Path.GetTempPath(), "sesame-reliability", Guid.NewGuid().ToString("N"), "tokens.json");
        try
        {
            var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time, database);
            var port = server.BaseAddress.Port;
            var client = TestClient.Create(server, time: time, tokenFile: tokenFile);
            await client.LoginAsync();
            Assert.Equal((200, "alice"), await client.GetAsync());

            await server.DisposeAsync();
            var down = await Assert.ThrowsAsync<HttpRequestException>(() => client.Api.GetAsync("/"));
            Assert.IsType<SocketException>(down.InnerException);
            var kept = client.Store.Current;
            Assert.NotNull(kept.RefreshToken);

            server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time, database, port);
            await using (server)
            {
                // The access token verifies with the signing key kept in the file: no refresh, no login.
                Assert.Equal((200, "alice"), await client.GetAsync());
                Assert.Equal(0, server.RefreshAttemptedCount);

                // A new client process on the same token file, after expiry: the refresh token (and its MAC secret) survived too.
                await client.DisposeAsync();
                client = TestClient.Create(server, time: time, tokenFile: tokenFile);
                time.Advance(Lifetime + TimeSpan.FromSeconds(1));
                Assert.Equal((200, "alice"), await client.GetAsync());
                Assert.Equal(1, server.RefreshCalledCount);
                await client.DisposeAsync();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(database + suffix);
            }

            Directory.Delete(Path.GetDirectoryName(tokenFile)!, recursive: true);
        }
    }

    [Fact]
    public async Task Reliability_SQLite_write_locked_by_another_connection_refresh_503_verification_goes_on_then_recovers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Servers.StartAsync(o => o.AccessTokenLifetime = Lifetime, time);
        var unavailable = 0;
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // This host's own meter (its IMeterFactory is the scope): parallel tests' servers do not count here.
                if (instrument.Name == "sesame.server.refresh.failures"
                    && ReferenceEquals(instrument.Meter.Scope, server.Services.GetService(typeof(System.Diagnostics.Metrics.IMeterFactory))))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "sesame.refresh.outcome" && (string?)tag.Value == "store_unavailable")
                {
                    Interlocked.Add(ref unavailable, (int)value);
                }
            }
        });
        meters.Start();
        await using var alice = TestClient.Create(server, time: time);
        await using var bob = TestClient.Create(server, time: time);
        await alice.LoginAsync("alice");
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        // Alice now holds an unpromoted child refresh token: her next refresh must write (promote it) to the database.
        Assert.True(await alice.Session.AttemptRefreshingSessionAsync());
        await bob.LoginAsync("bob");

        // Another connection (as another process would: a backup, a migration) holds the write lock of the file. WAL readers are not
        // blocked by a writer, so what fails is every write: each waits out the store's 5 s busy timeout, then answers 503.
        var locker = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = server.DatabasePath, Pooling = false }.ToString());
        await locker.OpenAsync();
        await using (locker)
        {
            using (var command = locker.CreateCommand())
            {
                command.CommandText = "BEGIN IMMEDIATE; UPDATE sesame_sessions SET session_data = session_data;";
                await command.ExecuteNonQueryAsync();
            }

            // Verification needs no database: an unexpired access token keeps working during the outage.
            Assert.Equal((200, "bob"), await bob.GetAsync());

            time.Advance(Lifetime + TimeSpan.FromSeconds(1));
            var before = alice.Store.Current;
            var started = System.Diagnostics.Stopwatch.StartNew();
            using (var response = await alice.Api.GetAsync("/"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal(server.RefreshUri, response.RequestMessage!.RequestUri);
                Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            }

            Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30));
            Assert.Equal(before, alice.Store.Current);
            Assert.Equal(1, Volatile.Read(ref unavailable)); // metric sesame.server.refresh.failures{sesame.refresh.outcome=store_unavailable}
            TestContext.Current.TestOutputHelper?.WriteLine($"refresh under a held write lock answered 503 after {started.Elapsed.TotalSeconds:0.0} s");

            using (var command = locker.CreateCommand())
            {
                command.CommandText = "ROLLBACK;";
                await command.ExecuteNonQueryAsync();
            }
        }

        Assert.Equal((200, "alice"), await alice.GetAsync());
        Assert.Equal(2, server.RefreshCalledCount);
    }
}
