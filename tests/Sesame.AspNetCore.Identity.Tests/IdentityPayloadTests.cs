using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Sesame.AspNetCore.Identity.Internal;

namespace Sesame.AspNetCore.Identity.Tests;

/// <summary>The mapping of an Identity principal to the access-token payload.</summary>
public sealed class IdentityPayloadTests
{
    [Fact]
    public void Claims_map_to_jwt_style_names_roles_to_an_array_and_the_stamp_to_a_hash_only()
    {
        var names = new ClaimsIdentityOptions { UserIdClaimType = "sub" };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim("sub", "user-1"),
            new Claim(names.UserNameClaimType, "alice"),
            new Claim(names.EmailClaimType, "alice@example.com"),
            new Claim(names.SecurityStampClaimType, "STAMP-SECRET"),
            new Claim(names.RoleClaimType, "admin"),
            new Claim(names.RoleClaimType, "ops"),
            new Claim("department", "sales"),
            new Claim("department", "support"),
            new Claim("exp", "9999999999"),
            new Claim("sessionHandle", "forged"),
        ]));

        var payload = IdentityPayload.Create(principal, names, "STAMP-SECRET");

        Assert.Equal("alice", (string?)payload["name"]);
        Assert.Equal("alice@example.com", (string?)payload["email"]);
        Assert.Equal(["admin", "ops"], payload["roles"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(["sales", "support"], payload["department"]!.AsArray().Select(r => (string?)r));
        Assert.False(payload.ContainsKey("sub"));
        Assert.False(payload.ContainsKey("exp"));
        Assert.False(payload.ContainsKey("sessionHandle"));
        Assert.DoesNotContain("STAMP-SECRET", payload.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(22, ((string?)payload[IdentityPayload.StampClaim])!.Length);
        Assert.True(IdentityPayload.HasStamp(payload, "STAMP-SECRET"));
        Assert.False(IdentityPayload.HasStamp(payload, "STAMP-SECRET2"));
    }

    [Fact]
    public void Without_a_stamp_store_there_is_no_stamp_claim_and_no_stamp_ever_matches()
    {
        var payload = IdentityPayload.Create(new ClaimsPrincipal(new ClaimsIdentity()), new ClaimsIdentityOptions(), securityStamp: null);
        Assert.Empty(payload);
        Assert.False(IdentityPayload.HasStamp(payload, "anything"));
    }
}
