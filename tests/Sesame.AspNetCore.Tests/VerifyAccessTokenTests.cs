using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary><see cref="ISessionService.VerifyAccessTokenAsync"/>: a token checked without an HTTP request (SignalR, gRPC, background work).</summary>
public sealed class VerifyAccessTokenTests
{
    private static ISessionService Sessions(SesameTestServer server) => server.Services.GetRequiredService<ISessionService>();

    [Fact]
    public async Task A_valid_token_verifies_to_its_session_and_payload()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice", new JsonObject { ["team"] = "red" })).Dispose();

        var result = await Sessions(server).VerifyAccessTokenAsync(client.AccessToken!);

        Assert.Equal(SessionVerificationStatus.Valid, result.Status);
        Assert.Equal("alice", result.Session!.UserId);
        Assert.Equal("red", (string?)result.Session.AccessTokenPayload["team"]);
        Assert.Equal(client.AccessToken, result.Session.AccessToken);
    }

    [Fact]
    public async Task An_expired_token_answers_try_refresh()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o => o.AccessTokenLifetime = TimeSpan.FromMinutes(5), time);
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        Assert.Equal(SessionVerificationStatus.Valid, (await Sessions(server).VerifyAccessTokenAsync(client.AccessToken!)).Status);

        time.Advance(TimeSpan.FromMinutes(6));

        var result = await Sessions(server).VerifyAccessTokenAsync(client.AccessToken!);
        Assert.Equal(SessionVerificationStatus.TryRefresh, result.Status);
        Assert.Null(result.Session);
    }

    [Fact]
    public async Task A_token_with_a_changed_payload_answers_try_refresh_and_text_that_is_no_token_answers_no_session()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        var parts = client.AccessToken!.Split('.');
        var payload = Jwt.Payload(client.AccessToken);
        payload["sub"] = "mallory";
        var forged = parts[0] + "." + Jwt.Encode(payload) + "." + parts[2];

        var forgedResult = await Sessions(server).VerifyAccessTokenAsync(forged);
        Assert.Equal(SessionVerificationStatus.TryRefresh, forgedResult.Status);
        Assert.Null(forgedResult.Session);
        Assert.Equal(SessionVerificationStatus.NoSession, (await Sessions(server).VerifyAccessTokenAsync("not-a-jwt")).Status);
        Assert.Equal(SessionVerificationStatus.NoSession, (await Sessions(server).VerifyAccessTokenAsync(string.Empty)).Status);
    }

    [Fact]
    public async Task A_signed_out_sessions_token_answers_unauthorised_though_it_has_not_expired()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        var token = client.AccessToken!;
        Assert.Equal(SessionVerificationStatus.Valid, (await Sessions(server).VerifyAccessTokenAsync(token)).Status);

        using (var signedOut = await client.SendAsync(HttpMethod.Post, "/auth/signout"))
        {
            Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
        }

        var result = await Sessions(server).VerifyAccessTokenAsync(token);
        Assert.Equal(SessionVerificationStatus.Unauthorised, result.Status);
        Assert.Null(result.Session);
    }

    [Fact]
    public async Task A_refreshed_token_verifies_without_being_promoted_so_the_spent_refresh_token_is_not_yet_superseded()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        var spent = client.RefreshToken!;
        (await client.RefreshAsync()).Dispose();

        var result = await Sessions(server).VerifyAccessTokenAsync(client.AccessToken!);

        Assert.Equal(SessionVerificationStatus.Valid, result.Status);
        Assert.Equal("alice", result.Session!.UserId);
        // Nothing was written: the row still holds the spent token, so refreshing with it again is the two-phase rule's retry, not theft.
        using var again = await client.RefreshAsync(spent);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(0, server.TheftDetectedCount);
    }

    [Fact]
    public async Task A_cancelled_call_throws_before_verifying()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sessions(server).VerifyAccessTokenAsync("x", cancelled.Token));
    }
}
