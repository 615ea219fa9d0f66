using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

public sealed class KeysAndJwksTests
{
    [Fact]
    public async Task Jwks_lists_rsa_keys_with_cors_star_and_cache_control()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await http.GetAsync("/auth/jwt/jwks.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Header("Access-Control-Allow-Origin"));
        Assert.True(response.Headers.CacheControl!.MustRevalidate);
        Assert.InRange(response.Headers.CacheControl.MaxAge!.Value, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7)); // until the next key
        var key = Assert.Single(JsonNode.Parse(await response.BodyAsync())!["keys"]!.AsArray())!.AsObject();
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], key.Select(p => p.Key).Order());
        Assert.Equal("RSA", (string?)key["kty"]);
        Assert.Equal("RS256", (string?)key["alg"]);
        Assert.Equal("sig", (string?)key["use"]);
        Assert.Equal(256, System.Buffers.Text.Base64Url.DecodeFromChars((string)key["n"]!).Length);
    }

    [Fact]
    public async Task Access_token_verifies_with_the_published_jwks_alone()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var client = new HeaderSession(server);
        await client.LoginAsync("u1");
        var jwks = new JsonWebKeySet(await client.Http.GetStringAsync("/auth/jwt/jwks.json"));

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(client.AccessToken!, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidateAudience = false,
            ValidateIssuer = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("u1", result.Claims["sub"]);
    }

    [Fact]
    public async Task Openid_configuration_names_issuer_and_jwks_uri()
    {
        await using var server = await SesameTestServer.StartAsync(o => o.ApiDomain = "https://api.example.com");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var config = JsonNode.Parse(await http.GetStringAsync("/auth/.well-known/openid-configuration"))!;
        Assert.Equal("https://api.example.com/auth", (string?)config["issuer"]);
        Assert.Equal("https://api.example.com/auth/jwt/jwks.json", (string?)config["jwks_uri"]);
    }

    [Fact]
    public async Task Key_rotation_signs_new_tokens_with_a_new_kid_and_old_tokens_stay_valid()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.SigningKeyRotationInterval = TimeSpan.FromMinutes(10);
            o.AccessTokenLifetime = TimeSpan.FromMinutes(30);
        }, time);
        using var old = new HeaderSession(server);
        await old.LoginAsync("old");
        var oldKid = (string?)Jwt.Header(old.AccessToken!)["kid"];

        time.Advance(TimeSpan.FromMinutes(11));
        using var fresh = new HeaderSession(server);
        await fresh.LoginAsync("new");
        var newKid = (string?)Jwt.Header(fresh.AccessToken!)["kid"];

        Assert.NotEqual(oldKid, newKid);
        Assert.Equal("old", await (await old.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        Assert.Equal("new", await (await fresh.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        var kids = JsonNode.Parse(await old.Http.GetStringAsync("/auth/jwt/jwks.json"))!["keys"]!.AsArray().Select(k => (string?)k!["kid"]).ToList();
        Assert.Contains(oldKid, kids);
        Assert.Contains(newKid, kids);
    }

    [Fact]
    public async Task Two_instances_sharing_a_database_verify_each_others_tokens_after_a_rotation()
    {
        var path = SesameTestServer.NewDatabasePath();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await SesameTestServer.StartAsync(o => o.SigningKeyRotationInterval = TimeSpan.FromMinutes(10), time, path);
        await using var b = await SesameTestServer.StartAsync(o => o.SigningKeyRotationInterval = TimeSpan.FromMinutes(10), time, path);

        time.Advance(TimeSpan.FromMinutes(11));
        using var client = new HeaderSession(a);
        await client.LoginAsync("u1");              // a rotates and signs with a key b has not loaded yet

        using var onB = new HeaderSession(b) { AccessToken = client.AccessToken };
        Assert.Equal("u1", await (await onB.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Sessions_survive_a_server_restart_on_the_same_database_file()
    {
        var path = SesameTestServer.NewDatabasePath();
        string access, refresh;
        await using (var first = await SesameTestServer.StartAsync(databasePath: path))
        {
            using var client = new HeaderSession(first);
            await client.LoginAsync("u1");
            access = client.AccessToken!;
            refresh = client.RefreshToken!;
        }

        await using var second = await SesameTestServer.StartAsync(databasePath: path);
        using var again = new HeaderSession(second) { AccessToken = access, RefreshToken = refresh };
        Assert.Equal("u1", await (await again.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        Assert.Equal(HttpStatusCode.OK, (await again.RefreshAsync()).StatusCode);
        Assert.Equal("u1", await (await again.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }
}
