using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sesame.AspNetCore;
using Sesame.AspNetCore.Claims;
using Sesame.Client;
using static Sesame.Client.Claims.SessionClientClaimsExtensions;
using ClientClaims = Sesame.Client.Claims;

namespace Sesame.Client.Tests.Claims;

/// <summary>The claims an app of these tests has: values per user, fetch counts, one claim of each kind.</summary>
internal sealed class TestClaimSource
{
    public ConcurrentDictionary<string, bool> Admins { get; } = new();

    public ConcurrentDictionary<string, string> Plans { get; } = new();

    public ConcurrentDictionary<string, string[]> Roles { get; } = new();

    public int AdminFetches;

    public int RefreshEndpointCalls;

    public TestClaimSource()
    {
        IsAdmin = new BooleanClaim("is-admin", (context, _) =>
        {
            Interlocked.Increment(ref AdminFetches);
            return ValueTask.FromResult(Admins.TryGetValue(context.UserId, out var admin) ? admin : ClaimValue<bool>.None);
        });
        Plan = new PrimitiveClaim<string>("plan", (context, _) =>
            ValueTask.FromResult(Plans.TryGetValue(context.UserId, out var plan) ? plan : ClaimValue<string>.None));
        RoleList = new PrimitiveArrayClaim<string>("st-role", (context, _) =>
            ValueTask.FromResult(Roles.TryGetValue(context.UserId, out var roles) ? (ClaimValue<IReadOnlyList<string>>)roles : default));
    }

    public BooleanClaim IsAdmin { get; }

    public PrimitiveClaim<string> Plan { get; }

    public PrimitiveArrayClaim<string> RoleList { get; }

    public void Map(WebApplication app)
    {
        app.MapGet("/c/has-value", () => "ok").RequireSessionClaim(Plan.Validators.HasValue("pro"));
        app.MapGet("/c/is-true", () => "ok").RequireSessionClaim(IsAdmin.Validators.IsTrue());
        app.MapGet("/c/is-false", () => "ok").RequireSessionClaim(IsAdmin.Validators.IsFalse());
        app.MapGet("/c/includes", () => "ok").RequireSessionClaim(RoleList.Validators.Includes("admin"));
        app.MapGet("/c/excludes", () => "ok").RequireSessionClaim(RoleList.Validators.Excludes("banned"));
        app.MapGet("/c/includes-all", () => "ok").RequireSessionClaim(RoleList.Validators.IncludesAll(["admin", "editor"]));
        app.MapGet("/c/includes-any", () => "ok").RequireSessionClaim(RoleList.Validators.IncludesAny(["owner", "admin"]));
        app.MapGet("/c/excludes-all", () => "ok").RequireSessionClaim(RoleList.Validators.ExcludesAll(["banned", "locked"]));
        app.MapGet("/c/fresh-admin", () => "ok").RequireSessionClaim(IsAdmin.Validators.IsTrue(maxAge: TimeSpan.FromMinutes(5)));
        app.MapGet("/c/two", () => "ok").RequireSessionClaim(Plan.Validators.HasValue("pro"), IsAdmin.Validators.IsTrue(id: "admin-check"));
        app.MapGet("/c/custom", () => "ok").RequireSessionClaim(
            SessionClaimValidator.Create("no-reason", static (_, _) => ClaimValidationResult.Invalid(null)));
        app.MapGet("/c/plain", () => "ok").RequireAuthorization();
        app.MapGet("/c/roles", [Authorize(Roles = "admin")] () => "ok");
        app.MapGet("/c/no-globals", () => "ok").RequireAuthorization().OverrideGlobalSessionClaimValidators(_ => []);
        app.MapGet("/c/anonymous", () => "ok");
        app.MapPost("/c/refresh-admin", async (HttpContext c, ISessionService sessions) =>
        {
            Interlocked.Increment(ref RefreshEndpointCalls);
            return await sessions.FetchAndSetClaimAsync(c, IsAdmin) ? "refreshed" : "gone";
        }).RequireAuthorization().OverrideGlobalSessionClaimValidators(_ => []);
        app.MapPost("/c/remove-plan", async (HttpContext c, ISessionService sessions) => await sessions.RemoveClaimAsync(c, Plan) ? "removed" : "gone")
            .RequireAuthorization().OverrideGlobalSessionClaimValidators(_ => []);
        app.MapGet("/c/attribute", [RequireSessionClaim(typeof(AttributeValidators), nameof(AttributeValidators.PlanIsPro))] () => "ok");
        app.MapGet("/c/value", (HttpContext c) => c.GetSesameSession()!.GetClaimValue(Plan).GetValueOrDefault("(none)")).RequireAuthorization();
    }

    public Task<ClientHarness> StartAsync(TokenTransferMethod method, Action<SesameServerOptions>? server = null,
        Microsoft.Extensions.Time.Testing.FakeTimeProvider? time = null) =>
        ClientHarness.StartAsync(method, client: null, server: o =>
        {
            o.Claims.Add(IsAdmin);
            o.Claims.Add(Plan);
            o.Claims.Add(RoleList);
            server?.Invoke(o);
        }, services: null, api: null, time: time, databasePath: null, configureApp: Map);
}

public static class AttributeValidators
{
    // Compiles as docs/authorization.md shows it: a fetcher returns the plain value (an array for an array claim).
    public static readonly PrimitiveArrayClaim<string> ImplicitArray = new("arr", static async (_, _) =>
    {
        await Task.Yield();
        return new[] { "a" };
    });

    public static readonly BooleanClaim ImplicitBool = new("b", static async (_, _) =>
    {
        await Task.Yield();
        return true;
    });

    public static readonly SessionClaimValidator PlanIsPro = new PrimitiveClaim<string>("plan", static (_, _) => ValueTask.FromResult(ClaimValue<string>.None))
        .Validators.HasValue("pro");
}

/// <summary>Session claims and validators on a real Kestrel server with the real client (issue 18).</summary>
public sealed class SessionClaimsServerTests
{
    private static async Task<(int Status, string Body)> GetAsync(ClientHarness h, string path)
    {
        using var response = await h.Api.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Invalid(string errors) => """{"message":"invalid claim","claimValidationErrors":[""" + errors + "]}";

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    public async Task Claims_fetched_at_creation_stored_as_VT_and_readable_on_the_server_and_client(TokenTransferMethod method)
    {
        var source = new TestClaimSource();
        source.Admins["alice"] = true;
        source.Plans["alice"] = "pro";
        source.Roles["alice"] = ["admin", "editor"];
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await using var h = await source.StartAsync(method, time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start));
        // The app's own "plan" is replaced by the fetched claim, as the reference builds the payload.
        await h.LoginAsync("alice", new JsonObject { ["plan"] = "app-value", ["other"] = 1 });

        var payload = await h.Session.GetAccessTokenPayloadAsync();
        var t = start.ToUnixTimeMilliseconds();
        Assert.Equal($$"""{"v":true,"t":{{t}}}""", payload.GetProperty("is-admin").GetRawText());
        Assert.Equal($$"""{"v":"pro","t":{{t}}}""", payload.GetProperty("plan").GetRawText());
        Assert.Equal($$"""{"v":["admin","editor"],"t":{{t}}}""", payload.GetProperty("st-role").GetRawText());
        Assert.Equal(1, payload.GetProperty("other").GetInt32());
        Assert.Equal("pro", await h.Api.GetStringAsync("/c/value"));
        // st-role holds roles: [Authorize(Roles)] sees them.
        Assert.Equal("ok", await h.Api.GetStringAsync("/c/roles"));
    }

    [Fact]
    public async Task Claims_fetcher_without_value_leaves_the_payload_alone()
    {
        var source = new TestClaimSource();
        await using var h = await source.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync("nobody");
        var payload = await h.Session.GetAccessTokenPayloadAsync();
        Assert.False(payload.TryGetProperty("is-admin", out _));
        Assert.False(payload.TryGetProperty("plan", out _));
        Assert.Equal("(none)", await h.Api.GetStringAsync("/c/value"));
    }

    [Fact]
    public async Task Validators_every_kind_passes_and_fails_with_the_reference_body_byte_for_byte()
    {
        var source = new TestClaimSource();
        source.Admins["alice"] = true;
        source.Plans["alice"] = "pro";
        source.Roles["alice"] = ["admin", "editor"];
        source.Admins["bob"] = false;
        source.Plans["bob"] = "free";
        source.Roles["bob"] = ["banned", "viewer"];
        await using var h = await source.StartAsync(TokenTransferMethod.Header);

        await h.LoginAsync("alice");
        foreach (var path in new[] { "/c/has-value", "/c/is-true", "/c/includes", "/c/excludes", "/c/includes-all", "/c/includes-any", "/c/excludes-all", "/c/two" })
        {
            Assert.Equal((200, "ok"), await GetAsync(h, path));
        }

        Assert.Equal((403, Invalid("""{"id":"is-admin","reason":{"message":"wrong value","expectedValue":false,"actualValue":true}}""")),
            await GetAsync(h, "/c/is-false"));

        await h.Session.SignOutAsync();
        await h.LoginAsync("bob");
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/is-false"));
        Assert.Equal((403, Invalid("""{"id":"plan","reason":{"message":"wrong value","expectedValue":"pro","actualValue":"free"}}""")),
            await GetAsync(h, "/c/has-value"));
        Assert.Equal((403, Invalid("""{"id":"is-admin","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}""")),
            await GetAsync(h, "/c/is-true"));
        const string roles = "\"actualValue\":[\"banned\",\"viewer\"]";
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"wrong value","expectedToInclude":"admin",""" + roles + "}}")),
            await GetAsync(h, "/c/includes"));
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"wrong value","expectedToNotInclude":"banned",""" + roles + "}}")),
            await GetAsync(h, "/c/excludes"));
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"wrong value","expectedToInclude":["admin","editor"],""" + roles + "}}")),
            await GetAsync(h, "/c/includes-all"));
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"wrong value","expectedToIncludeAtLeastOneOf":["owner","admin"],""" + roles + "}}")),
            await GetAsync(h, "/c/includes-any"));
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"wrong value","expectedToNotInclude":["banned","locked"],""" + roles + "}}")),
            await GetAsync(h, "/c/excludes-all"));
        // Two validators, both failing: listed in order, each with its id.
        Assert.Equal((403, Invalid("""{"id":"plan","reason":{"message":"wrong value","expectedValue":"pro","actualValue":"free"}},"""
                + """{"id":"admin-check","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}""")),
            await GetAsync(h, "/c/two"));
        // A custom validator without a reason: the reason is left out, as JSON.stringify drops undefined.
        Assert.Equal((403, Invalid("""{"id":"no-reason"}""")), await GetAsync(h, "/c/custom"));
        Assert.Equal((403, Invalid("""{"id":"plan","reason":{"message":"wrong value","expectedValue":"pro","actualValue":"free"}}""")),
            await GetAsync(h, "/c/attribute"));

        // The client saw every 403 as an invalid-claim event with the errors.
        var invalid = h.Events.Where(e => e.Type == SessionEventType.ApiInvalidClaim).ToList();
        Assert.Equal(11, invalid.Count);
        Assert.Equal("plan", invalid[1].ClaimValidationErrors!.Value[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Validators_missing_value_is_fetched_and_without_a_value_fails_as_value_does_not_exist()
    {
        var source = new TestClaimSource();
        await using var h = await source.StartAsync(TokenTransferMethod.Cookie);
        await h.LoginAsync("carol");
        Assert.Equal((403, Invalid("""{"id":"plan","reason":{"message":"value does not exist","expectedValue":"pro"}}""")),
            await GetAsync(h, "/c/has-value"));
        Assert.Equal((403, Invalid("""{"id":"st-role","reason":{"message":"value does not exist","expectedToNotInclude":["owner","admin"]}}""")),
            await GetAsync(h, "/c/includes-any"));

        // The value appears in the source: the next request fetches it (missing = refetch), stores it and passes.
        source.Plans["carol"] = "pro";
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/has-value"));
        var payload = await h.Session.GetAccessTokenPayloadAsync();
        Assert.Equal("pro", payload.GetProperty("plan").GetProperty("v").GetString());
        Assert.Contains(h.Events, e => e.Type == SessionEventType.AccessTokenPayloadUpdated);
    }

    [Fact]
    public async Task Validators_max_age_refetches_an_old_value_updates_the_payload_then_validates()
    {
        var source = new TestClaimSource();
        source.Admins["dave"] = true;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var h = await source.StartAsync(TokenTransferMethod.Header, time: time);
        await h.LoginAsync("dave");
        Assert.Equal(1, source.AdminFetches);

        Assert.Equal((200, "ok"), await GetAsync(h, "/c/fresh-admin"));
        Assert.Equal(1, source.AdminFetches); // young enough: not fetched

        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/fresh-admin"));
        Assert.Equal(2, source.AdminFetches); // older than 5 min: fetched again and stored
        var payload = await h.Session.GetAccessTokenPayloadAsync();
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), payload.GetProperty("is-admin").GetProperty("t").GetInt64());

        Assert.Equal((200, "ok"), await GetAsync(h, "/c/fresh-admin"));
        Assert.Equal(2, source.AdminFetches); // the stored value is fresh again

        // The user loses the right: the next refetch stores false and the request is refused.
        source.Admins["dave"] = false;
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal((403, Invalid("""{"id":"is-admin","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}""")),
            await GetAsync(h, "/c/fresh-admin"));
        Assert.Equal(3, source.AdminFetches);
        Assert.False((await h.Session.GetAccessTokenPayloadAsync()).GetProperty("is-admin").GetProperty("v").GetBoolean());

        // The source stops answering: the value cannot be refreshed and is too old: "expired" with the ages.
        source.Admins.TryRemove("dave", out _);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal((403, Invalid("""{"id":"is-admin","reason":{"message":"expired","ageInSeconds":360,"maxAgeInSeconds":300}}""")),
            await GetAsync(h, "/c/fresh-admin"));
    }

    [Fact]
    public async Task Global_validators_apply_where_authorization_runs_can_be_overridden_and_never_on_anonymous_endpoints()
    {
        var source = new TestClaimSource();
        source.Plans["erin"] = "free";
        source.Admins["erin"] = true;
        await using var h = await source.StartAsync(TokenTransferMethod.Header, server: o => o.ClaimValidators.Add(source.Plan.Validators.HasValue("pro")));
        await h.LoginAsync("erin", new JsonObject { ["role"] = "admin" });

        var planError = """{"id":"plan","reason":{"message":"wrong value","expectedValue":"pro","actualValue":"free"}}""";
        Assert.Equal((403, Invalid(planError)), await GetAsync(h, "/c/plain"));
        Assert.Equal((403, Invalid(planError)), await GetAsync(h, "/c/roles"));
        // Globals first, then the endpoint's own (as the reference's [...globals, ...]).
        Assert.Equal((403, Invalid(planError)), await GetAsync(h, "/c/is-true"));
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/no-globals"));
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/anonymous"));

        source.Plans["erin"] = "pro";
        using (var remove = await h.Api.PostAsync("/c/remove-plan", null))
        {
            Assert.Equal("removed", await remove.Content.ReadAsStringAsync());
        }

        Assert.False((await h.Session.GetAccessTokenPayloadAsync()).TryGetProperty("plan", out _));
        Assert.Equal((200, "ok"), await GetAsync(h, "/c/plain")); // missing: fetched again, now "pro"
    }

    [Fact]
    public async Task Validators_without_a_session_answer_the_session_expired_status_not_403()
    {
        var source = new TestClaimSource();
        await using var h = await source.StartAsync(TokenTransferMethod.Header);
        using var anonymous = new HttpClient { BaseAddress = h.Server.BaseAddress };
        using var response = await anonymous.GetAsync("/c/is-true");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>The client side of session claims (issue 18): values from the front token, client validators, the 403 body.</summary>
public sealed class SessionClaimsClientTests
{
    [Fact]
    public async Task Client_get_claim_value_reads_the_front_token_payload()
    {
        var source = new TestClaimSource();
        source.Admins["alice"] = true;
        source.Roles["alice"] = ["admin", "editor"];
        await using var h = await source.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync("alice");
        var isAdmin = new ClientClaims.BooleanClaim("is-admin", _ => Task.CompletedTask);
        var roles = new ClientClaims.PrimitiveArrayClaim<string>("st-role", _ => Task.CompletedTask);
        var plan = new ClientClaims.PrimitiveClaim<string>("plan", _ => Task.CompletedTask);
        Assert.Equal(new ClientClaims.ClaimValue<bool>(true, true), await h.Session.GetClaimValueAsync(isAdmin));
        Assert.Equal(["admin", "editor"], (await h.Session.GetClaimValueAsync(roles)).Value);
        Assert.False((await h.Session.GetClaimValueAsync(plan)).HasValue);
    }

    [Fact]
    public async Task Client_validate_claims_refreshes_an_old_claim_once_for_concurrent_calls_then_validates()
    {
        var source = new TestClaimSource();
        source.Admins["bob"] = false;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var h = await source.StartAsync(TokenTransferMethod.Cookie, time: time);
        await h.LoginAsync("bob");
        var isAdmin = new ClientClaims.BooleanClaim("is-admin", async ct =>
        {
            using var response = await h.Api.PostAsync("/c/refresh-admin", null, ct);
            response.EnsureSuccessStatusCode();
        }, defaultMaxAge: TimeSpan.FromMinutes(5));
        var validator = isAdmin.IsTrue();

        var failed = await h.Session.ValidateClaimsAsync(_ => [validator]);
        var error = Assert.Single(failed);
        Assert.Equal("is-admin", error.Id);
        Assert.Equal("""{"message":"wrong value","expectedValue":true,"actualValue":false}""", error.Reason!.Value.GetRawText());
        Assert.Equal(0, source.RefreshEndpointCalls); // fresh: not refreshed

        source.Admins["bob"] = true;
        time.Advance(TimeSpan.FromMinutes(6));
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => h.Session.ValidateClaimsAsync(_ => [validator])));
        Assert.All(results, Assert.Empty);
        Assert.Equal(1, source.RefreshEndpointCalls); // three concurrent validations, one claim refresh
        Assert.True((await h.Session.GetClaimValueAsync(isAdmin)).Value);
    }

    [Fact]
    public async Task Client_validate_claims_uses_the_global_validators_and_the_override()
    {
        var source = new TestClaimSource();
        source.Plans["carol"] = "free";
        var plan = new ClientClaims.PrimitiveClaim<string>("plan", _ => Task.CompletedTask);
        var failing = ClientClaims.ClientClaimValidator.Create("custom", _ => new ClientClaims.ClaimValidationResult(false, new JsonObject { ["message"] = "testReason" }));
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.ClaimValidators.Add(plan.HasValue("pro")),
            server: o => o.Claims.Add(source.Plan), services: null, api: null, time: null, databasePath: null, configureApp: source.Map);
        await h.LoginAsync("carol");

        Assert.Equal(["plan"], (await h.Session.ValidateClaimsAsync()).Select(e => e.Id));
        Assert.Equal(["plan", "custom"], (await h.Session.ValidateClaimsAsync(globals => [.. globals, failing])).Select(e => e.Id));
        Assert.Empty(await h.Session.ValidateClaimsAsync(_ => []));
        Assert.Equal("""{"message":"testReason"}""",
            (await h.Session.ValidateClaimsAsync(_ => [failing]))[0].Reason!.Value.GetRawText());
    }

    [Fact]
    public async Task Client_get_invalid_claims_from_response_parses_403_and_fires_the_event_and_ignores_a_403_without_body()
    {
        var source = new TestClaimSource();
        source.Admins["dave"] = false;
        await using var h = await source.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync("dave");
        using var response = await h.Api.GetAsync("/c/is-true");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var errors = await h.Session.GetInvalidClaimsFromResponseAsync(response);
        var error = Assert.Single(errors);
        Assert.Equal("is-admin", error.Id);
        Assert.Equal("wrong value", error.Reason!.Value.GetProperty("message").GetString());
        Assert.Contains("\"claimValidationErrors\"", await response.Content.ReadAsStringAsync()); // still readable
        var evt = Assert.Single(h.Events, e => e.Type == SessionEventType.ApiInvalidClaim);
        Assert.Equal("is-admin", evt.ClaimValidationErrors!.Value[0].GetProperty("id").GetString());

        using var bare = new HttpResponseMessage(HttpStatusCode.Forbidden);
        Assert.Empty(await ClientClaims.SessionClientClaimsExtensions.GetInvalidClaimsFromResponseAsync(bare));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientClaims.BooleanClaim("x", _ => Task.CompletedTask).IsTrue(TimeSpan.FromSeconds(6)));
    }
}
