using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sesame.AspNetCore.Internal;
using Sesame.Testing.Server;

namespace Sesame.AspNetCore.Tests.Security;

/// <summary>
/// The verification caches under a flood (docs/security.md): an attacker holding many valid tokens sends each once. The caches must stay
/// bounded, and must not be emptied by the flood, or every client's next request pays for an RSA check again, as often as the attacker likes.
/// </summary>
public sealed class SecurityCacheFloodTests
{
    private const int Batch = 500;

    [Fact]
    public async Task Security_a_flood_of_valid_tokens_neither_evicts_a_token_in_use_from_the_verified_cache_nor_grows_it_unbounded()
    {
        await using var server = await SesameTestServer.StartAsync();
        using var hot = new HeaderSession(server);
        await hot.LoginAsync("in-use");
        using (var first = await hot.SendAsync(HttpMethod.Get, "/"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var tokens = server.Services.GetRequiredService<AccessTokenService>();
        var issuer = server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/auth";
        var flood = VerifiedTokenCache.MaxEntries * 3 / 2;
        for (var sent = 0; sent < flood; sent += Batch)
        {
            // Real tokens, signed by the server's key (sessions of the attacker), each verified once as a request's cache miss is.
            var minted = new string[Batch];
            await Parallel.ForAsync(0, Batch, async (i, ct) =>
            {
                var handle = Guid.NewGuid().ToString();
                minted[i] = (await tokens.CreateAsync(new AccessTokenClaims("attacker", handle, handle, null, null, "{}", issuer),
                    TokenTransferMethod.Header, null, ct)).AccessToken;
            });
            foreach (var token in minted)
            {
                Assert.Equal(AccessTokenStatus.Valid, (await tokens.VerifyAsync(token, TokenTransferMethod.Header)).Status);
            }

            Assert.True(tokens.TryCheckCached(hot.AccessToken, TokenTransferMethod.Header, out _),
                $"after {sent + Batch:N0} flood tokens the token in use was no longer in the verified-token cache");
            Assert.InRange(tokens.VerifiedCacheCount, 1, VerifiedTokenCache.MaxEntries);
            using var response = await hot.SendAsync(HttpMethod.Get, "/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public void Security_a_flood_of_promotions_neither_evicts_one_in_use_from_the_promoted_cache_nor_grows_it_unbounded()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new PromotedTokenCache(time);
        var (hotChild, hotFresh) = Promotion(time, "in-use");
        cache.Remember(hotChild, hotFresh);

        var flood = PromotedTokenCache.MaxEntries * 3 / 2;
        for (var sent = 0; sent < flood; sent++)
        {
            var (child, fresh) = Promotion(time, "attacker");
            cache.Remember(child, fresh);
            if (sent % Batch == Batch - 1)
            {
                Assert.True(cache.TryGetPromoted(hotChild) == hotFresh, $"after {sent + 1:N0} flood promotions the one in use was no longer cached");
                Assert.InRange(cache.Count, 1, PromotedTokenCache.MaxEntries);
            }
        }
    }

    [Fact]
    public void Promotions_past_their_reuse_window_are_evicted_before_any_in_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new PromotedTokenCache(time);
        for (var i = 0; i < PromotedTokenCache.MaxEntries - 1; i++)
        {
            var (child, fresh) = Promotion(time, "earlier");
            cache.Remember(child, fresh);
        }

        time.Advance(PromotedTokenCache.ReuseWindow);
        var recent = Enumerable.Range(0, 10).Select(_ => Promotion(time, "recent")).ToList();
        foreach (var (child, fresh) in recent)
        {
            cache.Remember(child, fresh);
        }

        // The sweep that the capacity triggered removed the stale promotions only: every recent one is still there, none read since.
        Assert.InRange(cache.Count, recent.Count, PromotedTokenCache.MaxEntries * 3 / 4);
        Assert.All(recent, p => Assert.Same(p.Fresh, cache.TryGetPromoted(p.Child)));
    }

    /// <summary>A child session (token text unique, as a signed token's is) and the fresh session its promotion minted.</summary>
    private static (SesameSession Child, SesameSession Fresh) Promotion(TimeProvider time, string userId)
    {
        var handle = Guid.NewGuid().ToString();
        var exp = time.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        var child = new SesameSession(userId, handle, "h1-" + handle, "parent", null, exp, "child-token-" + Guid.NewGuid().ToString("N"), "{}", null,
            TokenTransferMethod.Header);
        var fresh = new SesameSession(userId, handle, "h1-" + handle, null, null, exp, "fresh-token-" + Guid.NewGuid().ToString("N"), "{}", null,
            TokenTransferMethod.Header);
        return (child, fresh);
    }
}
