using System.Text.Json;
using Sesame.Interop.Browser.Tests.Infrastructure;

namespace Sesame.Interop.Browser.Tests;

/// <summary>
/// Session claims with the official client in Chromium (issue 18), after the reference suite's <c>interception.claims</c> tests: the
/// invalid-claim 403 of <c>/session-claims-error</c> (now answered by the server's claim validators), <c>validateClaims</c> with a claim
/// refreshed through <c>/update-jwt</c>, <c>getClaimValue</c>.
/// </summary>
public sealed class BrowserClaimsTests(ChromiumFixture chromium) : BrowserTest(chromium), IClassFixture<ChromiumFixture>
{
    // The reference suite's custom claim: a BooleanClaim whose refresh stores {v:true,t:now} through POST /update-jwt.
    private const string DefineClaim = """
        (maxAge) => {
          window.updateJwtCalls = 0;
          window.customClaim = new supertokens.BooleanClaim({
            id: "st-custom",
            refresh: async () => {
              window.updateJwtCalls++;
              await fetch("/update-jwt", {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ "st-custom": { v: true, t: (globalThis.originalNow || Date.now)() } }),
              });
            },
            defaultMaxAgeInSeconds: maxAge === 0 ? undefined : maxAge,
          });
          window.customValidator = window.customClaim.validators.isTrue();
        }
        """;

    [Fact]
    public async Task Browser_invalid_claim_403_is_parseable_and_fires_API_INVALID_CLAIM()
    {
        await SetUpAsync();
        await InitClientAsync();
        await LoginAsync();
        var result = await Page.EvaluateAsync<JsonElement>("""
            async () => {
              const response = await fetch("/session-claims-error", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
              const text = await response.clone().text();
              const parsed = await supertokens.getInvalidClaimsFromResponse({ response });
              return { status: response.status, text, parsed };
            }
            """);
        Assert.Equal(403, result.GetProperty("status").GetInt32());
        Assert.Equal("""{"message":"invalid claim","claimValidationErrors":[{"id":"test-claim-failing","reason":{"message":"testReason"}}]}""",
            result.GetProperty("text").GetString());
        var parsed = result.GetProperty("parsed");
        Assert.Equal(1, parsed.GetArrayLength());
        Assert.Equal("test-claim-failing", parsed[0].GetProperty("id").GetString());
        Assert.Equal("testReason", parsed[0].GetProperty("reason").GetProperty("message").GetString());

        var lastEvent = await Page.EvaluateAsync<string>(
            "() => { const e = window.eventDetails[window.eventDetails.length - 1]; return e.action + ' ' + JSON.stringify(e.claimValidationErrors); }");
        Assert.Equal("""API_INVALID_CLAIM [{"id":"test-claim-failing","reason":{"message":"testReason"}}]""", lastEvent);

        // A 403 without a body fires no event.
        Assert.Equal(403, (await FetchAsync(PageOrigin + "/403-without-body", "POST", "{}")).Status);
        Assert.Single(await EventsAsync(), e => e == "API_INVALID_CLAIM");
    }

    [Fact]
    public async Task Browser_validate_claims_refreshes_the_claim_once_for_concurrent_calls_and_get_claim_value_sees_it()
    {
        await SetUpAsync();
        await InitClientAsync();
        await LoginAsync();
        await Page.EvaluateAsync(DefineClaim, 0);
        Assert.Null(await Page.EvaluateAsync<bool?>("async () => (await supertokens.getClaimValue({ claim: customClaim })) ?? null"));

        var results = await Page.EvaluateAsync<JsonElement>("""
            () => Promise.all([
              supertokens.validateClaims(() => [customValidator]),
              supertokens.validateClaims(() => [customValidator]),
              supertokens.validateClaims(() => [customValidator]),
            ])
            """);
        Assert.All(results.EnumerateArray(), r => Assert.Equal(0, r.GetArrayLength()));
        Assert.Equal(1, await Page.EvaluateAsync<int>("() => window.updateJwtCalls"));
        Assert.True(await Page.EvaluateAsync<bool>("() => supertokens.getClaimValue({ claim: customClaim })"));

        // The server stores the claim as the reference does: {"v":true,"t":…} in the access-token payload.
        var payload = await Page.EvaluateAsync<JsonElement>("() => supertokens.getAccessTokenPayloadSecurely()");
        Assert.True(payload.GetProperty("st-custom").GetProperty("v").GetBoolean());
        Assert.Equal(JsonValueKind.Number, payload.GetProperty("st-custom").GetProperty("t").ValueKind);

        // A failing client-side validator lists the reference's reason.
        var failed = await Page.EvaluateAsync<JsonElement>("() => supertokens.validateClaims(() => [customClaim.validators.isFalse()])");
        Assert.Equal("st-custom", failed[0].GetProperty("id").GetString());
        Assert.Equal("wrong value", failed[0].GetProperty("reason").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Browser_validate_claims_client_clock_an_hour_ahead_refreshes_once()
    {
        // The reference's clock-skew case: the client corrects its clock from the front token's iat, so a claim fetched "now" by the server is
        // fresh for the client too and three validations refresh it once.
        await SetUpAsync(accessTokenValiditySeconds: 2 * 60 * 60);
        await InitClientAsync();
        await Page.EvaluateAsync("() => { globalThis.originalNow = Date.now; Date.now = () => globalThis.originalNow() + 60 * 60 * 1000; }");
        await LoginAsync();
        await Page.EvaluateAsync(DefineClaim, 300);
        await Page.EvaluateAsync("""
            async () => {
              await supertokens.validateClaims(() => [customValidator]);
              await supertokens.validateClaims(() => [customValidator]);
              await supertokens.validateClaims(() => [customValidator]);
            }
            """);
        Assert.Equal(1, await Page.EvaluateAsync<int>("() => window.updateJwtCalls"));
    }
}
