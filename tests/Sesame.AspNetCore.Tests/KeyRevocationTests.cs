using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Internal;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests;

/// <summary>
/// Finding 4 of the security review (a compromised signing key kept working until the next rotation) and the rotation of the
/// refresh-token MAC key (finding 2). Two real servers on one SQLite file; a shared fake clock drives rotations and reloads.
/// </summary>
public sealed class KeyRevocationTests
{
    [Fact]
    public async Task Security_revoked_signing_key_is_rejected_by_every_instance_within_the_reload_interval()
    {
        var path = SesameTestServer.NewDatabasePath();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await SesameTestServer.StartAsync(o => o.KeyReloadInterval = TimeSpan.FromMinutes(1), time, path);
        await using var b = await SesameTestServer.StartAsync(o => o.KeyReloadInterval = TimeSpan.FromMinutes(1), time, path);
        using var client = new HeaderSession(b);
        await client.LoginAsync("u1");
        var compromised = (string)Jwt.Header(client.AccessToken!)["kid"]!;
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync()); // cached as verified on b

        Assert.True(await a.Services.GetRequiredService<ISigningKeyManager>().RevokeKeyAsync(compromised));

        // a: at once, in the JWKS too.
        using (var onA = new HeaderSession(a) { AccessToken = client.AccessToken })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await onA.SendAsync(HttpMethod.Get, "/")).StatusCode);
            var kids = JsonNode.Parse(await onA.Http.GetStringAsync("/auth/jwt/jwks.json"))!["keys"]!.AsArray().Select(k => (string?)k!["kid"]);
            Assert.DoesNotContain(compromised, kids);
        }

        // b: until its next reload it has no way to know (the bound the docs state), then it rejects the token, also the cached one.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/")).StatusCode);
        time.Advance(TimeSpan.FromMinutes(1));
        await b.Services.GetRequiredService<KeyRingReloader>().LastReload;
        var rejected = await client.SendAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal("try refresh token", await rejected.MessageAsync());

        // The client refreshes (its refresh token is untouched) and gets a token signed with the new key, accepted everywhere.
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync()).StatusCode);
        var fresh = (string)Jwt.Header(client.AccessToken!)["kid"]!;
        Assert.NotEqual(compromised, fresh);
        Assert.Equal("u1", await (await client.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        using var onA2 = new HeaderSession(a) { AccessToken = client.AccessToken };
        Assert.Equal("u1", await (await onA2.SendAsync(HttpMethod.Get, "/")).BodyAsync());
    }

    [Fact]
    public async Task Rotate_signing_key_signs_new_tokens_with_a_new_key_and_old_tokens_stay_valid()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var before = new HeaderSession(server);
        await before.LoginAsync("u1");
        var manager = server.Services.GetRequiredService<ISigningKeyManager>();

        var rotated = await manager.RotateSigningKeyAsync();
        using var after = new HeaderSession(server);
        await after.LoginAsync("u2");

        Assert.Equal(rotated.KeyId, (string?)Jwt.Header(after.AccessToken!)["kid"]);
        Assert.Equal("u1", await (await before.SendAsync(HttpMethod.Get, "/")).BodyAsync());
        var keys = await manager.ListKeysAsync();
        Assert.Single(keys, k => k.Algorithm == "RS256" && k.IsCurrent);
        Assert.Single(keys, k => k.Algorithm == "HS256" && k.IsCurrent);
        Assert.Contains(keys, k => k.KeyId == (string?)Jwt.Header(before.AccessToken!)["kid"] && !k.IsCurrent && k.VerifiesUntil is not null);
    }

    [Fact]
    public async Task Security_refresh_token_key_rotates_old_tokens_refresh_until_the_old_key_ends_then_it_is_deleted()
    {
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(start);
        await using var server = await SesameTestServer.StartAsync(o =>
        {
            o.RefreshTokenKeyRotationInterval = TimeSpan.FromDays(1);
            o.RefreshTokenLifetime = TimeSpan.FromDays(3);
        }, time);
        var manager = server.Services.GetRequiredService<ISigningKeyManager>();
        using var early = new HeaderSession(server);
        await early.LoginAsync("early");
        var oldKey = early.RefreshToken!.Split('.')[0];

        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        using var late = new HeaderSession(server);
        await late.LoginAsync("late");
        var newKey = late.RefreshToken!.Split('.')[0];
        Assert.NotEqual(oldKey, newKey);
        var old = Assert.Single(await manager.ListKeysAsync(), k => k.KeyId == oldKey);
        Assert.False(old.IsCurrent);

        // Before the old key's end (retired + 2 x refresh-token lifetime), a refresh token it signed still refreshes (its session
        // lives until start + 3 days); the child is signed with the newest key.
        time.SetUtcNow(start + TimeSpan.FromDays(2));
        Assert.Equal(HttpStatusCode.OK, (await early.RefreshAsync()).StatusCode);
        Assert.NotEqual(oldKey, early.RefreshToken!.Split('.')[0]);

        // After it, the key is gone from the store, and a token it signed (its session kept alive) is refused.
        using var kept = new HeaderSession(server);
        await kept.LoginAsync("kept");
        var signedWithNewest = kept.RefreshToken!;
        time.SetUtcNow(old.VerifiesUntil!.Value + TimeSpan.FromMinutes(1));
        Assert.DoesNotContain(await manager.ListKeysAsync(), k => k.KeyId == oldKey);
        Assert.DoesNotContain(await server.Services.GetRequiredService<Sesame.AspNetCore.Storage.ISessionStore>().GetSigningKeysAsync(default),
            k => k.KeyId == oldKey);
        Assert.NotEqual(oldKey, signedWithNewest.Split('.')[0]);
    }
}
