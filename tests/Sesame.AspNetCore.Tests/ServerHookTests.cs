using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Claims;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// The answer hooks of <see cref="SesameEvents"/> (the reference's error handlers): without a handler, or with one that only looks, the
/// answers stay byte for byte the protocol's (the session clients act on them); a handler may change the status or write its own answer.
/// </summary>
public sealed class ServerHookTests
{
    // Fetched at session creation: false for everyone, so the endpoint that requires it always fails with "wrong value".
    private static readonly BooleanClaim Verified = new("verified", static (_, _) => ValueTask.FromResult<ClaimValue<bool>>(false));

    private static Task<SesameTestServer> StartAsync(Action<SesameEvents> events, FakeTimeProvider time, bool problemDetails = false) =>
        SesameTestServer.StartAsync(new SesameTestServerSettings
        {
            Time = time,
            Configure = o =>
            {
                o.AccessTokenLifetime = TimeSpan.FromMinutes(5);
                o.Claims.Add(Verified);
                events(o.Events);
            },
            ConfigureServices = services =>
            {
                if (problemDetails)
                {
                    services.AddProblemDetails(p => p.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["app"] = "demo");
                }
            },
            ConfigureApp = app => app.MapGet("/verified-only", () => "ok").RequireSessionClaim(Verified.Validators.IsTrue()),
        });

    [Fact]
    public async Task Hooks_that_only_look_leave_every_answer_exactly_the_protocols()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var raised = new List<string>();
        await using var server = await StartAsync(events =>
        {
            events.OnUnauthorised = c => Record(raised, "unauthorised:" + c.TokensCleared);
            events.OnTryRefreshToken = _ => Record(raised, "try-refresh");
            events.OnInvalidClaim = c => Record(raised, "invalid-claim:" + c.Errors.Single().Id);
            events.OnTokenTheftDetected = c => Record(raised, "theft:" + c.UserId);
        }, time);

        await AssertProtocolAnswersAsync(server, time);
        Assert.Equal(["unauthorised:False", "invalid-claim:verified", "try-refresh", "theft:thief-victim", "unauthorised:True"], raised);
    }

    [Fact]
    public async Task Without_hooks_every_answer_is_exactly_the_protocols()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(static _ => { }, time);

        await AssertProtocolAnswersAsync(server, time);
    }

    [Fact]
    public async Task OnUnauthorised_writes_its_own_answer_and_an_ended_sessions_tokens_are_cleared_all_the_same()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(events => events.OnUnauthorised = async c =>
        {
            c.HandleResponse();
            c.HttpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await c.HttpContext.Response.WriteAsJsonAsync(new { error = "sign in", cleared = c.TokensCleared });
        }, time);
        using var client = new HeaderSession(server);

        using (var anonymous = await client.SendAsync(HttpMethod.Get, "/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("""{"error":"sign in","cleared":false}""", await anonymous.BodyAsync());
            Assert.False(anonymous.Headers.Contains("front-token"));
        }

        (await client.LoginAsync("alice")).Dispose();
        var token = client.AccessToken;
        (await client.SendAsync(HttpMethod.Post, "/auth/signout")).Dispose();
        client.AccessToken = token;
        using var ended = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Equal("""{"error":"sign in","cleared":true}""", await ended.BodyAsync());
        Assert.Equal("remove", ended.Headers.GetValues("front-token").Single());

        // A refused refresh (the session is gone) is answered by the hook as well, as the reference's refresh API does.
        using var refused = await client.RefreshAsync();
        Assert.Equal("""{"error":"sign in","cleared":true}""", await refused.BodyAsync());
        Assert.Equal("remove", refused.Headers.GetValues("front-token").Single());
    }

    [Fact]
    public async Task OnTryRefreshToken_changes_the_status_and_keeps_the_body_or_writes_its_own_answer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(events => events.OnTryRefreshToken = async c =>
        {
            if (c.HttpContext.Request.Path == "/echo")
            {
                c.HandleResponse();
                c.HttpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
                c.HttpContext.Response.Headers.WWWAuthenticate = "Sesame error=\"expired\"";
                await c.HttpContext.Response.WriteAsync("expired");
                return;
            }

            c.StatusCode = 440;
        }, time);
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        time.Advance(TimeSpan.FromMinutes(6));

        using var status = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(440, (int)status.StatusCode);
        Assert.Equal("""{"message":"try refresh token"}""", await status.BodyAsync());

        using var own = await client.SendAsync(HttpMethod.Post, "/echo", new StringContent("x"));
        Assert.Equal(HttpStatusCode.Unauthorized, own.StatusCode);
        Assert.Equal("expired", await own.BodyAsync());
        Assert.Equal("Sesame error=\"expired\"", own.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task OnTokenTheftDetected_writes_its_own_answer_and_the_session_is_revoked_and_its_tokens_cleared_all_the_same()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(events => events.OnTokenTheftDetected = async c =>
        {
            c.HandleResponse();
            c.HttpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await c.HttpContext.Response.WriteAsJsonAsync(new { message = "token theft detected", support = "https://example.com/security" });
        }, time);
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();
        var handle = (string)Jwt.Payload(client.AccessToken!)["sessionHandle"]!;
        var stolen = await SupersedeAsync(client);

        using var theft = await client.RefreshAsync(stolen);

        Assert.Equal(HttpStatusCode.Unauthorized, theft.StatusCode);
        Assert.Equal("""{"message":"token theft detected","support":"https://example.com/security"}""", await theft.BodyAsync());
        Assert.Equal("remove", theft.Headers.GetValues("front-token").Single());
        Assert.Equal(string.Empty, theft.Headers.GetValues("st-refresh-token").Single());
        Assert.Null(await server.Services.GetRequiredService<ISessionService>().GetSessionInfoAsync(handle));
    }

    [Fact]
    public async Task OnInvalidClaim_answers_a_ProblemDetails_through_the_apps_problem_details_service_keeping_the_failed_claims()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(events => events.OnInvalidClaim = c => c.WriteProblemDetailsAsync(), time, problemDetails: true);
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();

        using var forbidden = await client.SendAsync(HttpMethod.Get, "/verified-only");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await forbidden.BodyAsync())!.AsObject();
        Assert.Equal(403, (int)problem["status"]!);
        Assert.Equal("invalid claim", (string?)problem["title"]);
        Assert.Equal("invalid claim", (string?)problem["message"]);
        Assert.Equal("demo", (string?)problem["app"]); // the app's CustomizeProblemDetails ran: its IProblemDetailsService wrote it
        var error = Assert.Single(problem["claimValidationErrors"]!.AsArray())!.AsObject();
        Assert.Equal("verified", (string?)error["id"]);
        Assert.Equal("""{"message":"wrong value","expectedValue":true,"actualValue":false}""", error["reason"]!.ToJsonString());
    }

    [Fact]
    public async Task OnInvalidClaim_without_a_problem_details_service_still_answers_a_ProblemDetails_and_may_change_the_status()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(events => events.OnInvalidClaim = c =>
        {
            c.StatusCode = StatusCodes.Status451UnavailableForLegalReasons;
            return c.WriteProblemDetailsAsync();
        }, time);
        using var client = new HeaderSession(server);
        (await client.LoginAsync("alice")).Dispose();

        using var forbidden = await client.SendAsync(HttpMethod.Get, "/verified-only");

        Assert.Equal(HttpStatusCode.UnavailableForLegalReasons, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await forbidden.BodyAsync())!.AsObject();
        Assert.Equal(451, (int)problem["status"]!);
        Assert.Equal("verified", (string?)problem["claimValidationErrors"]![0]!["id"]);
    }

    /// <summary>The four answers with their exact statuses and bodies, in the order the first test records its hooks.</summary>
    private static async Task AssertProtocolAnswersAsync(SesameTestServer server, FakeTimeProvider time)
    {
        using var client = new HeaderSession(server);
        using (var anonymous = await client.SendAsync(HttpMethod.Get, "/"))
        {
            await AssertAnswerAsync(anonymous, HttpStatusCode.Unauthorized, """{"message":"unauthorised"}""");
        }

        (await client.LoginAsync("alice")).Dispose();
        using (var invalid = await client.SendAsync(HttpMethod.Get, "/verified-only"))
        {
            await AssertAnswerAsync(invalid, HttpStatusCode.Forbidden,
                """{"message":"invalid claim","claimValidationErrors":[{"id":"verified","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}]}""");
        }

        time.Advance(TimeSpan.FromMinutes(6));
        using (var expired = await client.SendAsync(HttpMethod.Get, "/"))
        {
            await AssertAnswerAsync(expired, HttpStatusCode.Unauthorized, """{"message":"try refresh token"}""");
        }

        using var victim = new HeaderSession(server);
        (await victim.LoginAsync("thief-victim")).Dispose();
        var stolen = await SupersedeAsync(victim);
        using (var theft = await victim.RefreshAsync(stolen))
        {
            await AssertAnswerAsync(theft, HttpStatusCode.Unauthorized, """{"message":"token theft detected"}""");
            Assert.Equal("remove", theft.Headers.GetValues("front-token").Single());
        }

        using var refused = await victim.RefreshAsync();
        await AssertAnswerAsync(refused, HttpStatusCode.Unauthorized, """{"message":"unauthorised"}""");
    }

    /// <summary>Refreshes and uses the new pair, so the first refresh token is superseded; returns it.</summary>
    private static async Task<string> SupersedeAsync(HeaderSession client)
    {
        var first = client.RefreshToken!;
        (await client.RefreshAsync()).Dispose();
        (await client.SendAsync(HttpMethod.Get, "/")).Dispose();
        return first;
    }

    private static async Task AssertAnswerAsync(HttpResponseMessage response, HttpStatusCode status, string body)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(body, await response.BodyAsync());
    }

    private static Task Record(List<string> raised, string what)
    {
        lock (raised)
        {
            raised.Add(what);
        }

        return Task.CompletedTask;
    }
}
