using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sesame.Client;

namespace Sesame.Client.Tests.Claims;

/// <summary>The access-token payload as claims of <c>HttpContext.User</c> (issue 18): mapping rules and roles through the authorization stack.</summary>
public sealed class ClaimMappingTests
{
    private static void MapClaimsEndpoints(WebApplication app)
    {
        app.MapGet("/claims", (HttpContext c) => Results.Json(c.User.Claims.Select(claim => new[] { claim.Type, claim.Value, claim.ValueType })))
            .RequireAuthorization();
        app.MapGet("/admin", [Authorize(Roles = "admin")] () => "admin ok");
        app.MapGet("/editor", () => "editor ok").RequireAuthorization(policy => policy.RequireRole("editor"));
        app.MapGet("/is-in-role", (HttpContext c, string role) => c.User.IsInRole(role) ? "yes" : "no").RequireAuthorization();
    }

    private static async Task<List<string[]>> ClaimsAsync(ClientHarness h) =>
        (await h.Api.GetFromJsonAsync<List<string[]>>("/claims"))!;

    [Fact]
    public async Task Claims_every_payload_property_is_a_claim_in_its_invariant_form()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, configureApp: MapClaimsEndpoints, client: null, server: null,
            services: null, api: null, time: null, databasePath: null);
        await h.LoginAsync("alice", new JsonObject
        {
            ["plan"] = "pro",
            ["count"] = 3,
            ["ratio"] = 1.5,
            ["beta"] = true,
            ["off"] = false,
            ["tags"] = new JsonArray("a", 2, false),
            ["address"] = new JsonObject { ["city"] = "Łódź" },
            ["nothing"] = null,
            ["st-custom"] = new JsonObject { ["v"] = true, ["t"] = 1700000000000 },
        });

        var claims = await ClaimsAsync(h);
        string[][] expected =
        [
            ["sub", "alice", ClaimValueTypes.String],
            ["plan", "pro", ClaimValueTypes.String],
            ["count", "3", ClaimValueTypes.Integer64],
            ["ratio", "1.5", ClaimValueTypes.Double],
            ["beta", "true", ClaimValueTypes.Boolean],
            ["off", "false", ClaimValueTypes.Boolean],
            ["tags", "a", ClaimValueTypes.String],
            ["tags", "2", ClaimValueTypes.Integer64],
            ["tags", "false", ClaimValueTypes.Boolean],
            ["st-custom", "true", ClaimValueTypes.Boolean],
        ];
        var withoutHandle = claims.Where(c => c[0] is not ("sessionHandle" or "address")).ToList();
        // An object is its JSON (as the token carries it: escapes allowed), value type JSON.
        var address = Assert.Single(claims, c => c[0] == "address");
        Assert.Equal("JSON", address[2]);
        Assert.Equal("Łódź", JsonNode.Parse(address[1])!["city"]!.GetValue<string>());
        Assert.Equal(expected.Select(e => string.Join('|', e)), withoutHandle.Select(c => string.Join('|', c)));
        Assert.Single(claims, c => c[0] == "sessionHandle");
    }

    [Fact]
    public async Task Claims_empty_payload_only_sub_and_session_handle()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie, configureApp: MapClaimsEndpoints, client: null, server: null,
            services: null, api: null, time: null, databasePath: null);
        await h.LoginAsync("bob");
        var claims = await ClaimsAsync(h);
        Assert.Equal(["sub", "sessionHandle"], claims.Select(c => c[0]));

        // After a refresh the new token's claims are mapped the same way.
        h.ExpireAccessToken();
        Assert.Equal(["sub", "sessionHandle"], (await ClaimsAsync(h)).Select(c => c[0]));
    }

    [Theory]
    [InlineData("role", "\"admin\"")]
    [InlineData("roles", "[\"user\",\"admin\"]")]
    [InlineData("st-role", "{\"v\":[\"admin\"],\"t\":1700000000000}")]
    public async Task Roles_from_role_roles_or_st_role_work_with_authorize_roles_require_role_and_is_in_role(string property, string json)
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, configureApp: MapClaimsEndpoints, client: null, server: null,
            services: null, api: null, time: null, databasePath: null);
        await h.LoginAsync("carol", new JsonObject { [property] = JsonNode.Parse(json) });

        Assert.Equal("admin ok", await h.Api.GetStringAsync("/admin"));
        Assert.Equal("yes", await h.Api.GetStringAsync("/is-in-role?role=admin"));
        Assert.Equal("no", await h.Api.GetStringAsync("/is-in-role?role=editor"));
        using var forbidden = await h.Api.GetAsync("/editor");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Roles_payload_update_changes_roles_on_the_next_request()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, configureApp: MapClaimsEndpoints, client: null, server: null,
            services: null, api: null, time: null, databasePath: null);
        await h.LoginAsync("dave", new JsonObject { ["roles"] = new JsonArray("user") });
        using (var before = await h.Api.GetAsync("/editor"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        }

        using (var update = await h.Api.PostAsync("/update-jwt", HeaderJson("""{"roles":["editor"]}""")))
        {
            update.EnsureSuccessStatusCode();
        }

        Assert.Equal("editor ok", await h.Api.GetStringAsync("/editor"));
    }

    [Fact]
    public async Task Mapping_is_configurable_claim_types_ignored_properties_and_off()
    {
        await using (var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, configureApp: MapClaimsEndpoints, client: null,
                         server: o =>
                         {
                             o.ClaimMapping.ClaimTypes["group"] = ClaimTypes.Role;
                             o.ClaimMapping.ClaimTypes["role"] = "app-role";
                             o.ClaimMapping.IgnoredProperties.Add("secret");
                         },
                         services: null, api: null, time: null, databasePath: null))
        {
            await h.LoginAsync("erin", new JsonObject { ["group"] = "admin", ["role"] = "x", ["secret"] = "s" });
            var claims = await ClaimsAsync(h);
            Assert.Contains(claims, c => c[0] == ClaimTypes.Role && c[1] == "admin");
            Assert.Contains(claims, c => c[0] == "app-role" && c[1] == "x");
            Assert.DoesNotContain(claims, c => c[0] == "secret");
            Assert.Equal("admin ok", await h.Api.GetStringAsync("/admin"));
        }

        await using (var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, configureApp: MapClaimsEndpoints, client: null,
                         server: o => o.ClaimMapping.MapPayload = false, services: null, api: null, time: null, databasePath: null))
        {
            await h.LoginAsync("frank", new JsonObject { ["role"] = "admin" });
            Assert.Equal(["sub", "sessionHandle"], (await ClaimsAsync(h)).Select(c => c[0]));
            using var forbidden = await h.Api.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }
    }

    private static StringContent HeaderJson(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
