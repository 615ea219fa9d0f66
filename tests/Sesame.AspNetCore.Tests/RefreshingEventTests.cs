using System.Net;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary><see cref="SesameEvents.OnRefreshing"/> (an app's rule may refuse a refresh) and the payload's <c>roles</c> as role claims.</summary>
public sealed class RefreshingEventTests
{
    private static Task<SesameTestServer> StartAsync(Func<SesameRefreshingContext, Task> onRefreshing) =>
        SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Time = new FakeTimeProvider(DateTimeOffset.UtcNow),
            Configure = o => o.Events.OnRefreshing = onRefreshing,
            ConfigureApp = app => app.MapGet("/roles", (HttpContext http) =>
                string.Join(",", http.User.FindAll(ClaimTypes.Role).Select(c => c.Value)) + "|" + http.User.IsInRole("admin")).RequireAuthorization(),
        });

    [Fact]
    public async Task A_refused_refresh_answers_unauthorised_clears_the_tokens_and_revokes_the_session()
    {
        var seen = new List<(string UserId, string? Claim)>();
        await using var server = await StartAsync(context =>
        {
            seen.Add((context.UserId, (string?)context.AccessTokenPayload["team"]));
            if (context.UserId == "blocked")
            {
                context.Reject("blocked by the test");
            }

            return Task.CompletedTask;
        });
        using var allowed = new HeaderSession(server);
        using var blocked = new HeaderSession(server);
        (await allowed.LoginAsync("u1", new JsonObject { ["team"] = "red" })).Dispose();
        (await blocked.LoginAsync("blocked")).Dispose();
        var handle = (string)Jwt.Payload(blocked.AccessToken!)["sessionHandle"]!;

        using (var refreshed = await allowed.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        }

        using (var refused = await blocked.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("remove", refused.Headers.GetValues("front-token").Single());
        }

        Assert.Null(blocked.RefreshToken);
        Assert.Null(await server.Services.GetRequiredService<ISessionService>().GetSessionInfoAsync(handle));
        Assert.Equal([("u1", "red"), ("blocked", null)], seen);
    }

    [Fact]
    public async Task The_rule_holds_for_an_unpromoted_child_token_too_and_leaves_theft_detection_as_it_was()
    {
        var block = false;
        var raised = 0;
        await using var server = await StartAsync(context =>
        {
            raised++;
            if (block)
            {
                context.Reject("blocked by the test");
            }

            return Task.CompletedTask;
        });
        using var client = new HeaderSession(server);
        (await client.LoginAsync("u1")).Dispose();
        (await client.RefreshAsync()).Dispose(); // a child, not promoted yet

        block = true;
        using (var refused = await client.RefreshAsync())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(2, raised);

        // A stolen (superseded) token of another session is revoked as theft without asking the app.
        using var other = new HeaderSession(server);
        (await other.LoginAsync("u2")).Dispose();
        block = false;
        var stolen = other.RefreshToken!;
        (await other.RefreshAsync()).Dispose();
        (await other.SendAsync(HttpMethod.Get, "/roles")).Dispose(); // promotes the child: the first token is superseded
        var before = raised;
        using (var theft = await other.RefreshAsync(stolen))
        {
            Assert.Equal(1, server.TheftDetectedCount);
            Assert.NotEqual(HttpStatusCode.OK, theft.StatusCode);
        }

        Assert.Equal(before, raised);
    }

    [Fact]
    public async Task A_roles_array_in_the_payload_becomes_role_claims()
    {
        await using var server = await StartAsync(static _ => Task.CompletedTask);
        using var admin = new HeaderSession(server);
        (await admin.LoginAsync("u1", new JsonObject { ["roles"] = new JsonArray("admin", "ops") })).Dispose();
        using var plain = new HeaderSession(server);
        (await plain.LoginAsync("u2", new JsonObject { ["team"] = "admin" })).Dispose(); // no roles property: no roles

        using var adminRoles = await admin.SendAsync(HttpMethod.Get, "/roles");
        Assert.Equal("admin,ops|True", await adminRoles.Content.ReadAsStringAsync());
        using var plainRoles = await plain.SendAsync(HttpMethod.Get, "/roles");
        Assert.Equal("|False", await plainRoles.Content.ReadAsStringAsync());
    }
}
